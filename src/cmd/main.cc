#include "cmd/cli.h"

int main(int argc, char** argv) { return pond::RunCli(argc, argv); }
