#include "util/warnings.h"

#include <mutex>

namespace pond {
namespace {

std::mutex& Mutex() {
  static std::mutex mu;
  return mu;
}

std::vector<std::string>& List() {
  static std::vector<std::string> list;
  return list;
}

}  // namespace

void Warn(std::string sentence) {
  std::lock_guard<std::mutex> lock(Mutex());
  List().push_back(std::move(sentence));
}

std::vector<std::string> TakeWarnings() {
  std::lock_guard<std::mutex> lock(Mutex());
  std::vector<std::string> out;
  out.swap(List());
  return out;
}

}  // namespace pond
