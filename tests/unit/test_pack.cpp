// Dataset packs (data/pack.h): what goes in comes out bit for bit, a damaged or incomplete pack
// is refused with the file named, and a folder is read through its pack where its images
// cannot be read.
#include <doctest/doctest.h>

#include <fstream>

#include "core/files.h"
#include "core/json.h"
#include "data/case_list.h"
#include "data/pack.h"
#include "data/volume_io.h"
#include "support.h"

using namespace mis;

namespace {

DatasetInfo two_class_info() { return DatasetInfo{"toy", "scannerA", {"T1", "T2"}, {"background", "lesion", "edema"}}; }

// Cases of random content and odd geometry, so that a swapped axis or a rounded number shows.
std::vector<Case> random_cases(int n, bool with_labels, int seed) {
  torch::manual_seed(seed);
  std::vector<Case> cases;
  for (int i = 0; i < n; ++i) {
    Case c;
    c.id = "case_" + std::to_string(seed) + "_" + std::to_string(i);
    c.domain = "scannerA";
    c.image = torch::randn({2, 3 + i, 5, 7});
    if (with_labels) c.label = torch::randint(0, 3, {3 + i, 5, 7}, torch::kLong);
    c.geometry.spacing = {0.7 + i, 1.0 / 3.0, 2.5};
    c.geometry.origin = {-12.25, 3.0 + 1e-9, 0.1};
    c.geometry.direction = {0, 1, 0, -1, 0, 0, 0, 0, 1};
    cases.push_back(c);
  }
  return cases;
}

void check_same_case(const Case& a, const Case& b) {
  CHECK(a.id == b.id);
  CHECK(a.domain == b.domain);
  CHECK((a.image.scalar_type() == b.image.scalar_type()));
  CHECK(torch::equal(a.image, b.image));
  REQUIRE(a.label.defined() == b.label.defined());
  if (a.label.defined()) {
    CHECK((b.label.scalar_type() == torch::kLong));
    CHECK(torch::equal(a.label, b.label));
  }
  CHECK(a.geometry.spacing == b.geometry.spacing);
  CHECK(a.geometry.origin == b.geometry.origin);
  CHECK(a.geometry.direction == b.geometry.direction);
}

// The pack of 3 labelled training cases and 2 unlabelled test cases in `dir`/pack, beside a
// dataset.json as synth writes one (no images: as synth writes it without ITK).
std::pair<std::vector<Case>, std::vector<Case>> write_toy_pack(const fs::path& dir) {
  auto train = random_cases(3, true, 1), test = random_cases(2, false, 2);
  const CaseListDataset train_set(two_class_info(), train, "memory"), test_set(two_class_info(), test, "memory");
  write_pack(dir / PACK_FOLDER, &train_set, &test_set);
  write_json_atomic(dir / "dataset.json", {{"channel_names", {{"0", "T1"}, {"1", "T2"}}},
                                           {"labels", {{"background", 0}, {"lesion", 1}, {"edema", 2}}},
                                           {"file_ending", ".nii.gz"}});
  return {train, test};
}

}  // namespace

TEST_CASE("pack: every case reads back bit for bit, with its geometry, labels and dataset description") {
  TempDir tmp;
  const auto [train, test] = write_toy_pack(tmp.path);
  CHECK(is_pack(tmp.path / PACK_FOLDER));
  for (const auto& [split, cases] : {std::pair{"train", train}, std::pair{"test", test}}) {
    // Through the pack folder itself, and through the dataset folder that holds it (no images there).
    for (const fs::path& folder : {tmp.path / PACK_FOLDER, tmp.path}) {
      const auto dataset = open_dataset(folder.string(), split);
      CHECK(dataset->info().name == "toy");
      CHECK(dataset->info().domain == "scannerA");
      CHECK(dataset->info().channel_names == two_class_info().channel_names);
      CHECK(dataset->info().class_names == two_class_info().class_names);
      REQUIRE(dataset->size() == cases.size());
      for (std::size_t i = 0; i < cases.size(); ++i) {
        CHECK(dataset->case_id(i) == cases[i].id);
        check_same_case(cases[i], dataset->load(i));
      }
    }
  }
}

TEST_CASE("pack: labels are stored as uint8 (up to 256 classes) and widened to int64 on load") {
  TempDir tmp;
  Case c;
  c.id = "big";
  c.image = torch::zeros({2, 8, 64, 64});                      // 256 KiB of float32
  c.label = torch::randint(0, 3, {8, 64, 64}, torch::kLong);  // 32 KiB as uint8, 256 KiB as int64
  const CaseListDataset set(two_class_info(), {c}, "memory");
  write_pack(tmp.path, &set, nullptr);
  const auto stored = fs::file_size(tmp.path / "train" / "big.pt");
  CHECK(stored < std::uintmax_t{(256 + 32 + 16) * 1024});  // 16 KiB for the archive's own records
  const auto back = PackDataset(tmp.path, "train").load(0);
  CHECK(torch::equal(back.label, c.label));

  // A case whose channels differ from the dataset's is not written.
  TempDir other;
  c.image = torch::zeros({1, 8, 64, 64});
  const CaseListDataset wrong(two_class_info(), {c}, "memory");
  CHECK(error_of([&] { write_pack(other.path, &wrong, nullptr); }).find("big has 1 channel(s), the dataset declares 2") !=
        std::string::npos);
}

TEST_CASE("pack: a flipped byte, a missing case file, a missing split or another file are refused with the file named") {
  TempDir tmp;
  const auto [train, test] = write_toy_pack(tmp.path);
  const fs::path pack = tmp.path / PACK_FOLDER;
  const fs::path file = pack / "train" / (train[1].id + ".pt");

  // One float of the image, found in the file and changed in its last bit.
  const std::string good = read_text_file(file);
  const auto image = train[1].image.contiguous();
  const std::string needle(static_cast<const char*>(image.data_ptr()), 32);
  const auto at = good.find(needle);
  REQUIRE(at != std::string::npos);
  std::string bad = good;
  bad[at + 31] = static_cast<char>(bad[at + 31] ^ 0x01);
  std::ofstream(file, std::ios::binary) << bad;
  const auto dataset = open_dataset(pack.string(), "train");
  CHECK(error_of([&] { dataset->load(0); }).empty());
  const std::string damaged = error_of([&] { dataset->load(1); });
  CHECK_MESSAGE(damaged.rfind(file.string() + ": not a readable dataset pack case (its voxels do not match the checksum", 0) == 0,
                damaged);

  fs::remove(file);
  const std::string missing = error_of([&] { open_dataset(pack.string(), "train"); });
  CHECK_MESSAGE(missing.find("1 case file(s) listed in pack.json are missing (first: " + train[1].id + ".pt)") !=
                    std::string::npos,
                missing);

  TempDir only_train;
  const auto cases = random_cases(1, true, 3);
  const CaseListDataset set(two_class_info(), cases, "memory");
  write_pack(only_train.path, &set, nullptr);
  CHECK(error_of([&] { open_dataset(only_train.path.string(), "test"); }).find("the pack holds no test split (it has train)") !=
        std::string::npos);

  write_json_atomic(only_train.path / "pack.json", {{"format", "something-else/3"}});
  CHECK(error_of([&] { open_dataset(only_train.path.string(), "train"); }).find("not a mis-spectral dataset pack") !=
        std::string::npos);
}

TEST_CASE("pack: a build without ITK reads a folder through its pack, and refuses a pack older than its images") {
  if (volume_io_available()) {
    MESSAGE("this build reads NIfTI itself: the no-ITK fallback is tested in the -DMIS_WITH_ITK=OFF build");
    return;
  }
  TempDir tmp;
  write_toy_pack(tmp.path);
  // Images beside the pack that it was not made from (any bytes: they are hashed, not decoded).
  fs::create_directories(tmp.path / "imagesTr");
  fs::create_directories(tmp.path / "labelsTr");
  for (const auto& c : random_cases(3, true, 1)) {
    for (const char* ch : {"_0000", "_0001"}) std::ofstream(tmp.path / "imagesTr" / (c.id + ch + ".nii.gz")) << "x";
    std::ofstream(tmp.path / "labelsTr" / (c.id + ".nii.gz")) << "y";
  }
  const std::string stale = error_of([&] { open_dataset(tmp.path.string(), "train"); });
  CHECK_MESSAGE(stale.find("was written from other images than those now beside it") != std::string::npos, stale);

  fs::remove_all(tmp.path / PACK_FOLDER);
  const std::string no_pack = error_of([&] { open_dataset(tmp.path.string(), "train"); });
  CHECK_MESSAGE(no_pack.find("cannot read, and no pack (pack/pack.json); write one where ITK is available (mis-spectral pack") !=
                    std::string::npos,
                no_pack);
}
