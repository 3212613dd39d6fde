#pragma once
// FaultFileSystem: the real file system with failures on demand, for tests.
// Appends can fail (optionally after writing part of the bytes, like a full disk
// mid-write), syncs can fail, and DropUnsyncedData() simulates a power loss: every
// file written through it loses what was appended after its last good Sync.
// Thread-safe.

#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>

#include "persistence/file_system.h"

namespace kin::testing {

class FaultFileSystem : public persistence::FileSystem {
 public:
  // Appends fail with `err`; with `partial`, half of the bytes are written first.
  void FailWrites(int err, bool partial = false) {
    std::lock_guard l(mu_);
    write_error_ = err;
    partial_ = partial;
  }
  void FailSyncs(int err) {
    std::lock_guard l(mu_);
    sync_error_ = err;
  }
  void Heal() {
    std::lock_guard l(mu_);
    write_error_ = sync_error_ = 0;
  }
  // Cuts every appendable file back to its size at its last successful Sync.
  void DropUnsyncedData() {
    std::lock_guard l(mu_);
    for (const auto& [path, size] : synced_) (void)base_.Truncate(path, size);
  }

  Result<std::unique_ptr<persistence::WritableFile>> OpenAppendable(const std::string& path, bool truncate) override {
    KIN_ASSIGN_OR_RETURN(auto file, base_.OpenAppendable(path, truncate));
    {
      std::lock_guard l(mu_);
      synced_[path] = file->size();  // what is there at open is taken as durable
    }
    return std::unique_ptr<persistence::WritableFile>(new File(this, path, std::move(file)));
  }
  Result<std::optional<std::string>> ReadFile(const std::string& path) override { return base_.ReadFile(path); }
  Status WriteFileAtomically(const std::string& path, const std::string& bytes) override {
    if (int err = WriteError()) return Fail("cannot write", path, err);
    return base_.WriteFileAtomically(path, bytes);
  }
  Status SyncDirectory(const std::string& dir) override { return base_.SyncDirectory(dir); }
  Status Truncate(const std::string& path, uint64_t size) override { return base_.Truncate(path, size); }
  Status Remove(const std::string& path) override { return base_.Remove(path); }
  Status Rename(const std::string& from, const std::string& to) override { return base_.Rename(from, to); }
  Status CreateDirectories(const std::string& dir) override { return base_.CreateDirectories(dir); }
  Result<std::vector<std::string>> ListDirectory(const std::string& dir) override { return base_.ListDirectory(dir); }

 private:
  class File : public persistence::WritableFile {
   public:
    File(FaultFileSystem* fs, std::string path, std::unique_ptr<persistence::WritableFile> base)
        : fs_(fs), path_(std::move(path)), base_(std::move(base)) {}
    Status Append(std::string_view data) override {
      bool partial;
      if (int err = fs_->WriteError(&partial)) {
        if (partial) (void)base_->Append(data.substr(0, data.size() / 2));
        return Fail("cannot write", path_, err);
      }
      return base_->Append(data);
    }
    Status Sync() override {
      if (int err = fs_->SyncError()) return Fail("cannot sync", path_, err);
      uint64_t size = base_->size();
      KIN_RETURN_IF_ERROR(base_->Sync());
      std::lock_guard l(fs_->mu_);
      fs_->synced_[path_] = size;
      return Status::Ok();
    }
    uint64_t size() const override { return base_->size(); }

   private:
    FaultFileSystem* fs_;
    std::string path_;
    std::unique_ptr<persistence::WritableFile> base_;
  };

  static Status Fail(const std::string& what, const std::string& path, int err) {
    return Status::DatabaseError(what + " " + path + ": " + std::strerror(err) + " (injected)");
  }
  int WriteError(bool* partial = nullptr) {
    std::lock_guard l(mu_);
    if (partial) *partial = partial_;
    return write_error_;
  }
  int SyncError() {
    std::lock_guard l(mu_);
    return sync_error_;
  }

  persistence::FileSystem& base_ = persistence::FileSystem::Posix();
  std::mutex mu_;
  std::map<std::string, uint64_t> synced_;
  int write_error_ = 0, sync_error_ = 0;
  bool partial_ = false;
};

}  // namespace kin::testing
