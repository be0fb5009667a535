// FileRegistryStore: the registry of a standalone master, one msgpack map in
// WORK_DIR/registry in the checksummed frame of core/file_frame.hpp (layout in
// docs/PROTOCOL.md, "On disk"). Each store replaces the whole file
// atomically (write, fsync, rename) on the store's own worker thread, so a
// crash leaves either the old or the new file, never a mix.
//
// Threading: owned by the io_context thread given at construction; `done`
// runs there. The destructor waits for a write in flight (and drops its
// `done`).
#pragma once

#include <memory>
#include <string>

#include "core/status.hpp"
#include "daemons/master/registry_store.hpp"

namespace boost::asio {
class io_context;
}

namespace clusterctl {

class FileRegistryStore : public RegistryStore {
 public:
  FileRegistryStore(boost::asio::io_context& io, std::string path);
  ~FileRegistryStore() override;

  // Reads the registry at `path`: an empty state when there is no file yet.
  // A file that cannot be read or decoded, or whose checksum does not match,
  // is an error naming it (the master must not start and overwrite what it
  // cannot read). A file written before the frame (a bare msgpack map) still
  // loads; the next store frames it.
  static StatusOr<RegistryState> load(const std::string& path);

  void store(const RegistryState& before, const RegistryState& after, Done done) override;
  std::string description() const override;
  const std::string& path() const { return path_; }

 private:
  struct Worker;
  boost::asio::io_context& io_;
  std::string path_;
  std::unique_ptr<Worker> worker_;
  std::shared_ptr<bool> alive_;
};

// The registry file's bytes (framed) and back; `what` names the file in
// errors (exposed for tests and tools).
std::string encode_registry(const RegistryState& state);
StatusOr<RegistryState> decode_registry(const std::string& bytes, const std::string& what);

}  // namespace clusterctl
