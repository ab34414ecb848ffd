// .npz archives through libzip. libzip checks each entry's CRC as it is read, so a corrupt
// payload is caught here rather than surfacing as odd weights.
#include <zip.h>

#include <memory>
#include <vector>

#include "core/error.h"
#include "core/files.h"
#include "models/npz.h"

namespace mis {

namespace {

std::string libzip_message(int code) {
  zip_error_t error;
  zip_error_init_with_code(&error, code);
  std::string message = zip_error_strerror(&error);
  zip_error_fini(&error);
  return message;
}

struct ZipCloser {
  void operator()(zip_t* archive) const { zip_discard(archive); }  // read-only: nothing to write back
};
struct ZipFileCloser {
  void operator()(zip_file_t* file) const { zip_fclose(file); }
};

constexpr const char* kSuffix = ".npy";

}  // namespace

bool npz_supported() { return true; }

std::map<std::string, torch::Tensor> read_npz(const std::filesystem::path& path) {
  require_exists(path, "expected an .npz weight file");
  int code = 0;
  std::unique_ptr<zip_t, ZipCloser> archive(zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &code));
  if (!archive) fail_file(path, "not a readable .npz archive (" + libzip_message(code) + "; truncated or corrupt?)");

  std::map<std::string, torch::Tensor> arrays;
  const zip_int64_t entries = zip_get_num_entries(archive.get(), 0);
  for (zip_int64_t index = 0; index < entries; ++index) {
    zip_stat_t stat;
    zip_stat_init(&stat);
    if (zip_stat_index(archive.get(), index, 0, &stat) != 0 || !(stat.valid & ZIP_STAT_NAME) ||
        !(stat.valid & ZIP_STAT_SIZE))
      fail_file(path, std::string("unreadable archive entry (") + zip_strerror(archive.get()) + ")");
    const std::string entry = stat.name;
    if (!entry.empty() && entry.back() == '/') continue;  // a folder record, which np.savez never writes
    const std::string source = path.string() + ": entry " + entry;
    if (entry.size() <= 4 || entry.compare(entry.size() - 4, 4, kSuffix) != 0)
      throw UserError(source + ": not an .npy array (an .npz holds only <name>.npy entries)");

    std::unique_ptr<zip_file_t, ZipFileCloser> file(zip_fopen_index(archive.get(), index, 0));
    if (!file) throw UserError(source + ": cannot open (" + zip_strerror(archive.get()) + ")");
    std::string bytes(stat.size, '\0');
    zip_uint64_t done = 0;
    while (done < stat.size) {
      const zip_int64_t got = zip_fread(file.get(), bytes.data() + done, stat.size - done);
      if (got < 0) throw UserError(source + ": cannot read (" + zip_file_strerror(file.get()) + "; corrupt?)");
      if (got == 0) throw UserError(source + ": ends early (truncated or corrupt?)");
      done += static_cast<zip_uint64_t>(got);
    }
    // A read past the announced size makes libzip verify the CRC of what was read.
    char probe;
    if (zip_fread(file.get(), &probe, 1) < 0)
      throw UserError(source + ": " + zip_file_strerror(file.get()) + " (corrupt?)");
    arrays[entry.substr(0, entry.size() - 4)] = decode_npy(bytes, source);
  }
  return arrays;
}

void write_npz(const std::filesystem::path& path, const std::map<std::string, torch::Tensor>& arrays) {
  // libzip copies the buffers only at zip_close, so they live until then.
  std::vector<std::string> buffers;
  buffers.reserve(arrays.size());
  for (const auto& [name, array] : arrays) buffers.push_back(encode_npy(array));

  write_atomic_with(path, [&](const std::filesystem::path& tmp) {
    int code = 0;
    zip_t* archive = zip_open(tmp.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &code);
    if (!archive) fail_file(path, "cannot create .npz archive (" + libzip_message(code) + ")");
    size_t i = 0;
    for (const auto& [name, array] : arrays) {
      const std::string& bytes = buffers[i++];
      zip_source_t* source = zip_source_buffer(archive, bytes.data(), bytes.size(), 0);
      const zip_int64_t index =
          source ? zip_file_add(archive, (name + kSuffix).c_str(), source, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE) : -1;
      if (index < 0) {
        if (source) zip_source_free(source);
        const std::string why = zip_strerror(archive);
        zip_discard(archive);
        fail_file(path, "cannot add " + name + " to the archive (" + why + ")");
      }
      zip_set_file_compression(archive, static_cast<zip_uint64_t>(index), ZIP_CM_STORE, 0);
    }
    if (zip_close(archive) != 0) {
      const std::string why = zip_strerror(archive);
      zip_discard(archive);
      fail_file(path, "cannot write .npz archive (" + why + ")");
    }
  });
}

}  // namespace mis
