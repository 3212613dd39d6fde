#pragma once
// FaultFileSystem: the real file system with failures on demand, for tests.
// Appends can fail before writing a byte (as when reserving space fails) or after
// writing part of the bytes (a full disk mid-write), syncs can fail, cutting a
// file back can fail, whole-file writes (snapshots, records) and directory syncs
// can fail, a sync can be held open until released, and DropUnsyncedData()
// simulates a power loss: every file written through it loses what was appended
// after its last good Sync (a renamed file keeps its record).
// Thread-safe.

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <map>
#include <memory>
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
  // Appends fail with `err` before writing anything, as a failed fallocate does.
  void FailReservations(int err) { FailWrites(err, false); }
  void FailSyncs(int err) {
    std::lock_guard l(mu_);
    sync_error_ = err;
  }
  void FailCutBacks(int err) {
    std::lock_guard l(mu_);
    cut_error_ = err;
  }
  // WriteFileAtomically fails with `err` (appends are not affected).
  void FailWholeFileWrites(int err) {
    std::lock_guard l(mu_);
    whole_file_error_ = err;
  }
  // SyncDirectory fails with `err` (file syncs are not affected).
  void FailDirectorySyncs(int err) {
    std::lock_guard l(mu_);
    dir_sync_error_ = err;
  }
  void Heal() {
    std::lock_guard l(mu_);
    write_error_ = sync_error_ = cut_error_ = whole_file_error_ = dir_sync_error_ = 0;
  }
  // While held, a Sync waits (before failing or syncing) until released.
  void HoldSyncs() {
    std::lock_guard l(mu_);
    hold_ = true;
  }
  void ReleaseSyncs() {
    {
      std::lock_guard l(mu_);
      hold_ = false;
    }
    released_.notify_all();
  }
  int syncs_held() const {
    std::lock_guard l(mu_);
    return held_;
  }
  // Cuts every appendable file back to its size at its last successful Sync.
  void DropUnsyncedData() {
    std::lock_guard l(mu_);
    for (const auto& [path, synced] : synced_) (void)base_.Truncate(path, *synced);
  }

  Result<std::unique_ptr<persistence::WritableFile>> OpenAppendable(const std::string& path, bool truncate) override {
    KIN_ASSIGN_OR_RETURN(auto file, base_.OpenAppendable(path, truncate));
    auto synced = std::make_shared<uint64_t>(file->size());  // what is there at open is taken as durable
    {
      std::lock_guard l(mu_);
      synced_[path] = synced;
    }
    return std::unique_ptr<persistence::WritableFile>(new File(this, path, synced, std::move(file)));
  }
  Result<std::optional<std::string>> ReadFile(const std::string& path) override { return base_.ReadFile(path); }
  Status WriteFileAtomically(const std::string& path, const std::string& bytes) override {
    if (int err = WriteError()) return Fail("cannot write", path, err);
    {
      std::lock_guard l(mu_);
      if (whole_file_error_) return Fail("cannot write", path, whole_file_error_);
    }
    return base_.WriteFileAtomically(path, bytes);
  }
  Status SyncDirectory(const std::string& dir) override {
    {
      std::lock_guard l(mu_);
      if (dir_sync_error_) return Fail("cannot sync the directory", dir, dir_sync_error_);
    }
    return base_.SyncDirectory(dir);
  }
  Status Truncate(const std::string& path, uint64_t size) override { return base_.Truncate(path, size); }
  Status Remove(const std::string& path) override { return base_.Remove(path); }
  // A renamed file keeps what of it was synced (a prepared journal segment).
  Status Rename(const std::string& from, const std::string& to) override {
    KIN_RETURN_IF_ERROR(base_.Rename(from, to));
    std::lock_guard l(mu_);
    auto it = synced_.find(from);
    if (it != synced_.end()) {
      synced_[to] = it->second;
      synced_.erase(it);
    }
    return Status::Ok();
  }
  Status CreateDirectories(const std::string& dir) override { return base_.CreateDirectories(dir); }
  Result<std::vector<std::string>> ListDirectory(const std::string& dir) override { return base_.ListDirectory(dir); }

 private:
  class File : public persistence::WritableFile {
   public:
    File(FaultFileSystem* fs, std::string path, std::shared_ptr<uint64_t> synced,
         std::unique_ptr<persistence::WritableFile> base)
        : fs_(fs), path_(std::move(path)), synced_(std::move(synced)), base_(std::move(base)) {}
    Status Append(std::string_view data) override {
      bool partial;
      if (int err = fs_->WriteError(&partial)) {
        if (partial) (void)base_->Append(data.substr(0, data.size() / 2));
        return Fail("cannot write", path_, err);
      }
      return base_->Append(data);
    }
    Status Sync() override {
      fs_->WaitWhileHeld();
      if (int err = fs_->SyncError()) return Fail("cannot sync", path_, err);
      uint64_t size = base_->size();
      KIN_RETURN_IF_ERROR(base_->Sync());
      std::lock_guard l(fs_->mu_);
      *synced_ = size;
      return Status::Ok();
    }
    uint64_t size() const override { return base_->size(); }
    Status ReserveAhead() override { return base_->ReserveAhead(); }
    Status CutBack(uint64_t size) override {
      {
        std::lock_guard l(fs_->mu_);
        if (fs_->cut_error_) return Fail("cannot cut back", path_, fs_->cut_error_);
      }
      KIN_RETURN_IF_ERROR(base_->CutBack(size));
      std::lock_guard l(fs_->mu_);
      *synced_ = size;  // the cut is durable, and nothing after it remains
      return Status::Ok();
    }

   private:
    FaultFileSystem* fs_;
    std::string path_;
    std::shared_ptr<uint64_t> synced_;  // the synced size, under fs_->mu_
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
  void WaitWhileHeld() {
    std::unique_lock l(mu_);
    ++held_;
    released_.wait(l, [this] { return !hold_; });
    --held_;
  }

  persistence::FileSystem& base_ = persistence::FileSystem::Posix();
  mutable std::mutex mu_;
  std::condition_variable released_;
  std::map<std::string, std::shared_ptr<uint64_t>> synced_;  // path -> synced size (shared with its File)
  int write_error_ = 0, sync_error_ = 0, cut_error_ = 0, whole_file_error_ = 0, dir_sync_error_ = 0;
  bool hold_ = false;
  int held_ = 0;  // syncs waiting while held
  bool partial_ = false;
};

}  // namespace kin::testing
