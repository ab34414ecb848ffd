// ITK-backed volume I/O: the only translation unit that includes ITK's image readers.
#include <itkImage.h>
#include <itkImageFileReader.h>
#include <itkImageFileWriter.h>
#include <itkImageIOFactory.h>
#include <itkRGBPixel.h>
#include <itkVectorImage.h>
#include <itkBMPImageIOFactory.h>
#include <itkJPEGImageIOFactory.h>
#include <itkNiftiImageIOFactory.h>
#include <itkPNGImageIOFactory.h>
#include <itkTIFFImageIOFactory.h>

#include <zlib.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <mutex>
#include <type_traits>

#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "core/error.h"
#include "data/itk_bridge.h"
#include "core/files.h"
#include "core/stderr_filter.h"
#include "data/volume_io.h"

namespace mis {

using itk_bridge::apply_geometry;
using itk_bridge::first_line;
using itk_bridge::geometry_of;

namespace {

using VectorImage = itk::VectorImage<float, 3>;

// ITK finds readers through factories that a program must register; once is enough.
void register_image_io() {
  static std::once_flag once;
  std::call_once(once, [] {
    itk::NiftiImageIOFactory::RegisterOneFactory();
    itk::PNGImageIOFactory::RegisterOneFactory();
    itk::JPEGImageIOFactory::RegisterOneFactory();
    itk::BMPImageIOFactory::RegisterOneFactory();
    itk::TIFFImageIOFactory::RegisterOneFactory();
  });
}

// ITK's reader of a 3-D image keeps only the first frame of a 4-D file (fMRI, cine MRI, a
// 4-D stack of modalities): the rest would be dropped without a word. A 4th (or higher)
// dimension of size 1 holds nothing more and is read as 3-D.
void refuse_time_series(const std::filesystem::path& path, itk::ImageIOBase& io) {
  try {
    io.SetFileName(path.string());
    io.ReadImageInformation();
  } catch (const itk::ExceptionObject& e) {
    fail_file(path, std::string("cannot read image header (truncated or corrupt?): ") + first_line(e.GetDescription()));
  }
  const unsigned dims = io.GetNumberOfDimensions();
  for (unsigned d = 3; d < dims; ++d) {
    if (io.GetDimensions(d) <= 1) continue;
    std::string shape;
    for (unsigned i = 0; i < dims; ++i) shape += (i ? "x" : "") + std::to_string(io.GetDimensions(i));
    fail_file(path, fmt::format("a {}-D image ({}) where one 3-D volume per file was expected, and only its first "
                                "frame would be read; split it into one 3-D file per channel (CASE_0000, CASE_0001, "
                                "...) or extract the frame you mean",
                                dims, shape));
  }
}

// Reads any ITK-readable file into a [C, Z, Y, X] float tensor.
Volume read_as_float(const std::filesystem::path& path) {
  require_exists(path, "expected an image file");
  check_file_complete(path);  // ITK's NIfTI and JPEG readers fill missing data silently
  register_image_io();
  auto io = itk::ImageIOFactory::CreateImageIO(path.c_str(), itk::CommonEnums::IOFileMode::ReadMode);
  if (!io) fail_file(path, "not a readable image (no ITK reader accepts it; expected NIfTI .nii/.nii.gz, PNG, BMP, TIFF or JPEG)");
  refuse_time_series(path, *io);
  auto reader = itk::ImageFileReader<VectorImage>::New();
  reader->SetFileName(path.string());
  try {
    reader->Update();
  } catch (const itk::ExceptionObject& e) {
    fail_file(path, std::string("cannot read image (truncated or corrupt?): ") + first_line(e.GetDescription()));
  }
  VectorImage* image = reader->GetOutput();
  const auto size = image->GetLargestPossibleRegion().GetSize();
  const auto channels = static_cast<int64_t>(image->GetNumberOfComponentsPerPixel());
  const int64_t nx = size[0], ny = size[1], nz = size[2];
  auto zyxc = torch::empty({nz, ny, nx, channels}, torch::kFloat32);
  std::memcpy(zyxc.data_ptr<float>(), image->GetBufferPointer(), sizeof(float) * zyxc.numel());
  return {zyxc.permute({3, 0, 1, 2}).contiguous(), geometry_of(image)};
}

// Whether the pixels read back (`back`) are those written. A written NaN matches anything:
// ITK's NIfTI reader returns NaN as 0 when it reads into an itk::Image<float> (seen with ITK
// 5.2), and a file cut short is caught by the other pixels or by the reader itself.
template <typename PixelT>
bool same_pixels(const PixelT* back, const PixelT* written, std::size_t count) {
  if constexpr (std::is_floating_point_v<PixelT>) {
    for (std::size_t i = 0; i < count; ++i)
      if (!(back[i] == written[i] || std::isnan(written[i]))) return false;
    return true;
  } else {
    return std::memcmp(back, written, sizeof(PixelT) * count) == 0;
  }
}

// ITK's writers do not always report a short write: NIfTI's znzlib prints "** ERROR: NWAD" on
// stderr and returns, and the file is truncated. So every written image is read back and
// compared with what was meant to be written before it is renamed into place (JPEG, being
// lossy, only for its size).
template <typename ImageT>
void verify_written(const std::filesystem::path& written, const std::filesystem::path& reported, const ImageT* image) {
  typename ImageT::Pointer back;
  try {
    auto reader = itk::ImageFileReader<ImageT>::New();
    reader->SetFileName(written.string());
    reader->Update();
    back = reader->GetOutput();
  } catch (const itk::ExceptionObject&) {
    fail_write(reported, "the written file reads back incomplete");
  }
  const auto region = image->GetLargestPossibleRegion();
  if (back->GetLargestPossibleRegion().GetSize() != region.GetSize())
    fail_write(reported, "the written file reads back with another size");
  std::string extension = reported.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(), [](unsigned char ch) { return std::tolower(ch); });
  if (extension == ".jpg" || extension == ".jpeg") return;
  if (!same_pixels(back->GetBufferPointer(), image->GetBufferPointer(), region.GetNumberOfPixels()))
    fail_write(reported, "the written file reads back different from what was written");
}

template <typename PixelT>
void write_scalar(const std::filesystem::path& path, const torch::Tensor& zyx, const Geometry& geometry) {
  using ImageT = itk::Image<PixelT, 3>;
  auto image = ImageT::New();
  typename ImageT::RegionType region;
  typename ImageT::SizeType size;
  size[0] = zyx.size(2);
  size[1] = zyx.size(1);
  size[2] = zyx.size(0);
  region.SetSize(size);
  image->SetRegions(region);
  image->Allocate();
  apply_geometry(image.GetPointer(), geometry);
  const auto data = zyx.contiguous();
  std::memcpy(image->GetBufferPointer(), data.data_ptr<PixelT>(), sizeof(PixelT) * data.numel());
  register_image_io();
  write_atomic_with(path, [&](const std::filesystem::path& tmp) {
    auto writer = itk::ImageFileWriter<ImageT>::New();
    writer->SetFileName(tmp.string());
    writer->SetInput(image);
    writer->UseCompressionOn();
    // niftilib prints its own "** ERROR" lines for a short write and for reading the short
    // file back; verify_written reports the failure once, naming the file.
    const StderrFilter quiet_niftilib;
    try {
      writer->Update();
    } catch (const itk::ExceptionObject& e) {
      fail_file(path, std::string("cannot write image: ") + first_line(e.GetDescription()) + "; disk full?");
    }
    verify_written<ImageT>(tmp, path, image.GetPointer());
  });
}

torch::Tensor as_zyx(const torch::Tensor& voxels, const std::filesystem::path& path) {
  if (voxels.dim() == 4 && voxels.size(0) == 1) return voxels[0];
  if (voxels.dim() == 3) return voxels;
  fail_file(path, "internal: expected a [Z,Y,X] tensor to write");
}

}  // namespace

bool volume_io_available() { return true; }

Volume read_image_volume(const std::filesystem::path& path) { return read_as_float(path); }

Volume read_label_volume(const std::filesystem::path& path) {
  Volume v = read_as_float(path);
  if (v.voxels.size(0) != 1)
    fail_file(path, "a label map must have one channel, found " + std::to_string(v.voxels.size(0)));
  if (!torch::isfinite(v.voxels).all().item<bool>()) fail_file(path, "label map contains NaN or infinite values");
  if (!torch::equal(v.voxels, v.voxels.round()))
    fail_file(path, "label map contains non-integer values (is this an image rather than a mask?)");
  v.voxels = v.voxels.to(torch::kInt64);
  return v;
}

void write_image_volume(const std::filesystem::path& path, const torch::Tensor& voxels, const Geometry& geometry) {
  write_scalar<float>(path, as_zyx(voxels, path).to(torch::kFloat32), geometry);
}

ImageFileInfo read_image_file_info(const std::filesystem::path& path) {
  require_exists(path, "expected an image file");
  register_image_io();
  auto io = itk::ImageIOFactory::CreateImageIO(path.c_str(), itk::CommonEnums::IOFileMode::ReadMode);
  if (!io) fail_file(path, "not a readable image (no ITK reader accepts it; expected NIfTI .nii/.nii.gz, PNG, BMP, TIFF or JPEG)");
  try {
    io->SetFileName(path.string());
    io->ReadImageInformation();
  } catch (const itk::ExceptionObject& e) {
    fail_file(path, std::string("cannot read image header (truncated or corrupt?): ") + first_line(e.GetDescription()));
  }
  ImageFileInfo info;
  info.dimensions = static_cast<int>(io->GetNumberOfDimensions());
  for (int i = 0; i < 3; ++i)
    info.size[i] = i < info.dimensions ? static_cast<int64_t>(io->GetDimensions(static_cast<unsigned>(i))) : 1;
  info.components = static_cast<int>(io->GetNumberOfComponents());
  const auto type = io->GetComponentType();
  info.component_type = itk::ImageIOBase::GetComponentTypeAsString(type);
  using C = itk::IOComponentEnum;
  switch (type) {
    case C::UCHAR: info.type_max = 255.0; break;
    case C::CHAR: info.type_max = 127.0; break;
    case C::USHORT: info.type_max = 65535.0; break;
    case C::SHORT: info.type_max = 32767.0; break;
    case C::UINT: info.type_max = 4294967295.0; break;
    case C::INT: info.type_max = 2147483647.0; break;
    case C::ULONG:
    case C::ULONGLONG: info.type_max = 18446744073709551615.0; break;
    case C::LONG:
    case C::LONGLONG: info.type_max = 9223372036854775807.0; break;
    default: info.type_max = 0.0; break;
  }
  info.integer_type = info.type_max > 0.0;
  return info;
}

namespace {

template <typename PixelT>
void write_2d(const std::filesystem::path& path, const torch::Tensor& hwc) {
  using ImageT = itk::Image<PixelT, 2>;
  auto image = ImageT::New();
  typename ImageT::SizeType size;
  size[0] = static_cast<itk::SizeValueType>(hwc.size(1));
  size[1] = static_cast<itk::SizeValueType>(hwc.size(0));
  typename ImageT::RegionType region;
  region.SetSize(size);
  image->SetRegions(region);
  image->Allocate();
  static_assert(sizeof(PixelT) == 1 || sizeof(PixelT) == 3, "8-bit grey or packed RGB");
  std::memcpy(static_cast<void*>(image->GetBufferPointer()), hwc.data_ptr<uint8_t>(), static_cast<std::size_t>(hwc.numel()));
  register_image_io();
  write_atomic_with(path, [&](const std::filesystem::path& tmp) {
    // niftilib prints its own "** ERROR" lines for a short write and for reading the short
    // file back; verify_written reports the failure once, naming the file.
    const StderrFilter quiet_niftilib;
    {
      // In its own scope: ITK's BMP writer closes (and flushes) its file only when the writer
      // and its ImageIO are destroyed, so a file read back while the writer lives is cut short.
      auto writer = itk::ImageFileWriter<ImageT>::New();
      writer->SetFileName(tmp.string());
      writer->SetInput(image);
      try {
        writer->Update();
      } catch (const itk::ExceptionObject& e) {
        fail_file(path, std::string("cannot write image: ") + first_line(e.GetDescription()) + "; disk full?");
      }
    }
    verify_written<ImageT>(tmp, path, image.GetPointer());
  });
}

}  // namespace

namespace {

// Bytes a NIfTI-1 header promises (vox_offset + voxel data), or 0 when `h` is not NIfTI-1.
uint64_t nifti1_expected_bytes(const unsigned char* h) {
  auto i32 = [&](int off, bool swap) {
    uint32_t v;
    std::memcpy(&v, h + off, 4);
    return swap ? __builtin_bswap32(v) : v;
  };
  auto i16 = [&](int off, bool swap) {
    uint16_t v;
    std::memcpy(&v, h + off, 2);
    return static_cast<int16_t>(swap ? __builtin_bswap16(v) : v);
  };
  bool swap = false;
  if (i32(0, false) != 348) {
    if (i32(0, true) != 348) return 0;
    swap = true;
  }
  const int16_t ndim = i16(40, swap);
  if (ndim < 1 || ndim > 7) return 0;
  uint64_t voxels = 1;
  for (int d = 1; d <= ndim; ++d) {
    const int16_t n = i16(40 + 2 * d, swap);
    if (n < 1) return 0;
    voxels *= static_cast<uint64_t>(n);
  }
  const int16_t bitpix = i16(72, swap);
  uint32_t offset_bits = i32(108, swap);
  float vox_offset;
  std::memcpy(&vox_offset, &offset_bits, 4);
  if (bitpix <= 0 || !(vox_offset >= 0.0f)) return 0;
  return static_cast<uint64_t>(vox_offset) + voxels * static_cast<uint64_t>(bitpix) / 8;
}

// Streams a NIfTI-1 file's bytes: keeps the header, counts the bytes and looks for non-finite
// floating-point voxels, which niftilib's reader replaces by 0 without an error.
struct NiftiScan {
  std::array<unsigned char, 352> header{};
  uint64_t total = 0;
  bool nonfinite = false;

  void feed(const unsigned char* p, std::size_t n, bool nifti) {
    const uint64_t start = total;
    if (total < header.size()) std::memcpy(header.data() + total, p, std::min<uint64_t>(header.size() - total, n));
    total += n;
    if (!nifti) return;
    if (!parsed_ && total >= header.size()) parse();
    if (elem_ == 0 || nonfinite) return;
    uint64_t lo = std::max(start, data_begin_), hi = std::min<uint64_t>(start + n, data_end_);
    const uint64_t misalign = (lo - data_begin_) % elem_;
    if (lo < hi && misalign) lo += elem_ - misalign;  // only if a chunk splits an element (never for 4/8-byte data)
    for (uint64_t at = lo; at + elem_ <= hi; at += elem_) {
      const unsigned char* q = p + (at - start);
      if (elem_ == 4) {
        uint32_t b;
        std::memcpy(&b, q, 4);
        if (swap_) b = __builtin_bswap32(b);
        if ((b & 0x7F800000u) == 0x7F800000u) nonfinite = true;
      } else {
        uint64_t b;
        std::memcpy(&b, q, 8);
        if (swap_) b = __builtin_bswap64(b);
        if ((b & 0x7FF0000000000000ull) == 0x7FF0000000000000ull) nonfinite = true;
      }
      if (nonfinite) return;
    }
  }

 private:
  void parse() {
    parsed_ = true;
    uint32_t size;
    std::memcpy(&size, header.data(), 4);
    if (size != 348) {
      if (__builtin_bswap32(size) != 348) return;
      swap_ = true;
    }
    uint16_t datatype;
    std::memcpy(&datatype, header.data() + 70, 2);
    if (swap_) datatype = __builtin_bswap16(datatype);
    // NIfTI datatypes: FLOAT32 16, COMPLEX64 32 (two float32), FLOAT64 64, COMPLEX128 1792 (two float64).
    elem_ = datatype == 16 || datatype == 32 ? 4 : datatype == 64 || datatype == 1792 ? 8 : 0;
    const uint64_t expected = nifti1_expected_bytes(header.data());
    uint32_t offset_bits;
    std::memcpy(&offset_bits, header.data() + 108, 4);
    if (swap_) offset_bits = __builtin_bswap32(offset_bits);
    float vox_offset;
    std::memcpy(&vox_offset, &offset_bits, 4);
    if (expected == 0 || elem_ == 0) {
      elem_ = 0;
      return;
    }
    data_begin_ = static_cast<uint64_t>(vox_offset);
    data_end_ = expected;
  }

  bool parsed_ = false;
  bool swap_ = false;
  uint64_t elem_ = 0, data_begin_ = 0, data_end_ = 0;
};

}  // namespace

void check_file_complete(const std::filesystem::path& path) {
  require_exists(path, "expected an image file");
  std::string name = path.filename().string();
  for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto ends = [&](const char* suffix) {
    const std::string s(suffix);
    return name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0;
  };
  const bool gz = ends(".gz");
  const bool nifti = name.find(".nii") != std::string::npos;
  if (ends(".jpg") || ends(".jpeg") || ends(".png") || ends(".bmp")) {
    // libjpeg fills a cut-short scan with grey and only warns; check the end markers instead.
    const auto size = std::filesystem::file_size(path);
    std::ifstream in(path, std::ios::binary);
    std::array<unsigned char, 6> head{};
    in.read(reinterpret_cast<char*>(head.data()), head.size());
    const uint64_t tail_size = std::min<uint64_t>(size, 1024);
    std::string tail(tail_size, '\0');
    in.seekg(static_cast<std::streamoff>(size - tail_size));
    in.read(tail.data(), static_cast<std::streamsize>(tail_size));
    bool complete = true;
    if (head[0] == 0xFF && head[1] == 0xD8) {
      complete = tail.find("\xFF\xD9") != std::string::npos;  // EOI; cannot occur inside entropy-coded data
    } else if (head[0] == 0x89 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G') {
      complete = tail.find("IEND") != std::string::npos;
    } else if (head[0] == 'B' && head[1] == 'M') {
      uint32_t declared;
      std::memcpy(&declared, head.data() + 2, 4);  // bfSize, little-endian
      complete = declared == 0 || size >= declared;
    }
    if (!complete) fail_file(path, "truncated: the image file ends before its end marker; download it again");
    return;
  }
  if (!gz && !nifti) return;
  NiftiScan scan;
  std::vector<unsigned char> buffer(1 << 16);
  if (gz) {
    gzFile f = gzopen(path.c_str(), "rb");
    if (!f) fail_file(path, "cannot open");
    int n = 0;
    while ((n = gzread(f, buffer.data(), static_cast<unsigned>(buffer.size()))) > 0)
      scan.feed(buffer.data(), static_cast<std::size_t>(n), nifti);
    int err = Z_OK;
    const std::string message = n < 0 ? gzerror(f, &err) : "";
    // gzread reports an early end of the compressed stream as Z_BUF_ERROR at the end.
    gzerror(f, &err);
    const bool bad = n < 0 || err == Z_BUF_ERROR || err == Z_DATA_ERROR;
    gzclose(f);
    if (bad)
      fail_file(path, "truncated or corrupt gzip stream" + (message.empty() ? std::string() : " (" + message + ")") +
                          "; download the file again");
  } else {
    std::ifstream in(path, std::ios::binary);
    while (in) {
      in.read(reinterpret_cast<char*>(buffer.data()), static_cast<std::streamsize>(buffer.size()));
      if (in.gcount() > 0) scan.feed(buffer.data(), static_cast<std::size_t>(in.gcount()), nifti);
    }
  }
  if (!nifti) return;
  if (scan.total < 348) fail_file(path, "truncated: shorter than a NIfTI header; download the file again");
  const uint64_t expected = nifti1_expected_bytes(scan.header.data());
  if (expected > 0 && scan.total < expected)
    fail_file(path, "truncated: holds " + std::to_string(scan.total) + " of the " + std::to_string(expected) +
                        " bytes its header promises; download the file again");
  if (scan.nonfinite)
    fail_file(path, "image contains NaN or infinite values (ITK's NIfTI reader would silently turn them into 0); "
                    "fix or drop this case");
}

void write_image_2d(const std::filesystem::path& path, const torch::Tensor& chw) {
  if (chw.dim() != 3 || (chw.size(0) != 1 && chw.size(0) != 3) || chw.scalar_type() != torch::kUInt8)
    fail_file(path, "internal: write_image_2d expects a uint8 [C, H, W] tensor with C = 1 or 3");
  const auto hwc = chw.permute({1, 2, 0}).contiguous();
  if (chw.size(0) == 1) write_2d<unsigned char>(path, hwc);
  else write_2d<itk::RGBPixel<unsigned char>>(path, hwc);
}

void write_label_volume(const std::filesystem::path& path, const torch::Tensor& voxels, const Geometry& geometry) {
  const auto zyx = as_zyx(voxels, path);
  if (zyx.numel() > 0 && (zyx.min().item<int64_t>() < 0 || zyx.max().item<int64_t>() > 255))
    fail_file(path, "label values must lie in 0..255 to be written as uint8");
  write_scalar<uint8_t>(path, zyx.to(torch::kUInt8), geometry);
}

}  // namespace mis
