#include "tlogfs/content.h"

#include <optional>

#include "oplog/record.h"
#include "util/counters.h"
#include "util/hash.h"
#include "util/id.h"

namespace pond::tlogfs {
namespace {

class BlobContentWriter final : public tinyfs::ContentWriter {
 public:
  explicit BlobContentWriter(ObjectStore& store) : store_(store) {}

  Status Append(std::string_view bytes) override {
    hash_.Update(bytes);
    size_ += bytes.size();
    GlobalCounters().bytes_written += static_cast<int64_t>(bytes.size());
    if (!blob_ && buffer_.size() + bytes.size() <= oplog::kInlineLimit) {
      buffer_.append(bytes);
      return Status::OK();
    }
    if (!blob_) {
      ASSIGN_OR_RETURN(blob_, store_.OpenWrite("_large_files/incoming-" + NewUuidV7(), false));
      RETURN_IF_ERROR(blob_->Append(buffer_));
      buffer_.clear();
      buffer_.shrink_to_fit();
    }
    return blob_->Append(bytes);
  }

  // Once the content is over the inline limit (a blob is open), the store
  // copies the rest of the file (in the kernel, for a local pond), and the
  // bytes it stored are hashed as they land, after those appended before.
  Status AppendFile(int fd, const std::function<void(uint64_t)>& on_bytes) override {
    if (!blob_) return ContentWriter::AppendFile(fd, on_bytes);
    ASSIGN_OR_RETURN(uint64_t n, blob_->AppendFile(fd, [&](std::string_view bytes) {
      // The store's reader thread, while the caller's waits: one updater at a time.
      hash_.UpdateHere(bytes);
      on_bytes(bytes.size());
      return Status::OK();
    }));
    size_ += n;
    GlobalCounters().bytes_written += static_cast<int64_t>(n);
    return Status::OK();
  }

  Result<tinyfs::ContentRef> Finish() override {
    tinyfs::ContentRef ref;
    ref.size = size_;
    ref.sha256 = hash_.FinishHex();
    if (!blob_) {
      ref.inline_bytes = std::move(buffer_);
      return ref;
    }
    RETURN_IF_ERROR(blob_->CommitAs(oplog::BlobKey(ref.sha256)));
    return ref;
  }

 private:
  ObjectStore& store_;
  AsyncSha256 hash_;  // hashes while the caller reads and writes the next chunk
  uint64_t size_ = 0;
  std::string buffer_;
  std::unique_ptr<WriteStream> blob_;
};

class VerifyingStream final : public ReadStream {
 public:
  VerifyingStream(std::unique_ptr<ReadStream> base, std::string sha256, uint64_t size,
                  std::string what)
      : base_(std::move(base)), sha256_(std::move(sha256)), size_(size), what_(std::move(what)) {}

  Result<size_t> Read(char* buf, size_t n) override {
    if (!failure_.ok()) return failure_;
    if (done_) return size_t{0};
    ASSIGN_OR_RETURN(size_t got, base_->Read(buf, n));
    GlobalCounters().bytes_read += static_cast<int64_t>(got);
    seen_ += got;
    if (seen_ > size_)
      return Fail("holds more than the " + std::to_string(size_) + " bytes stored");
    if (got > 0) {
      hash_.Update(std::string_view(buf, got));
      return got;
    }
    done_ = true;
    if (seen_ != size_) {
      return Fail("holds " + std::to_string(seen_) + " of the " + std::to_string(size_) +
                  " bytes stored");
    }
    if (hash_.FinishHex() != sha256_) return Fail("does not match its SHA-256");
    return size_t{0};
  }

 private:
  Status Fail(const std::string& why) {
    failure_ = Status::Corruption(what_ + " is damaged: it " + why);
    return failure_;
  }

  std::unique_ptr<ReadStream> base_;
  std::string sha256_;
  uint64_t size_;
  std::string what_;
  AsyncSha256 hash_;
  uint64_t seen_ = 0;
  bool done_ = false;
  Status failure_;
};

}  // namespace

std::unique_ptr<tinyfs::ContentWriter> NewBlobContentWriter(ObjectStore& store) {
  return std::make_unique<BlobContentWriter>(store);
}

std::unique_ptr<ReadStream> NewVerifyingStream(std::unique_ptr<ReadStream> base, std::string sha256,
                                               uint64_t size, std::string what) {
  return std::make_unique<VerifyingStream>(std::move(base), std::move(sha256), size,
                                           std::move(what));
}

}  // namespace pond::tlogfs
