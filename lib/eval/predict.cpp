#include "eval/predict.h"

#include <chrono>
#include <map>
#include <optional>
#include <regex>

#include <fmt/format.h>

#include "core/error.h"
#include "core/files.h"
#include "core/fingerprint.h"
#include "core/progress.h"
#include "data/image_formats.h"
#include "data/volume_io.h"
#include "eval/checkpoint_command.h"
#include "eval/prediction_writer.h"
#include "eval/result_schema.h"
#include "preprocess/recipe.h"

namespace mis {

namespace fs = std::filesystem;

namespace {

// nnU-Net's naming: ID_0000, ID_0001, ... are the channels of case ID.
const std::regex kChannelSuffix("^(.+)_([0-9]{4})$");

bool is_2d_image_file(const fs::path& p) { return is_2d_image_ending(image_file_ending(p.filename().string())); }

bool is_image_file(const fs::path& p) { return !image_file_ending(p.filename().string()).empty(); }

// Where the predictions of an input go: NIfTI for volumes, PNG (lossless, like the datasets'
// own masks) for 2-D image formats.
PredictInput make_input(const std::string& id, std::vector<fs::path> files) {
  const std::string ext = is_2d_image_file(files.front()) ? ".png" : ".nii.gz";
  return {id, std::move(files), id + ext};
}

// The recipe that prepares images for this checkpoint; nullopt: the training images were read
// as stored (no preprocess manifest), so new images are too.
std::optional<prep::PreprocessRecipe> recipe_for(const CheckpointMeta& meta, const std::string& checkpoint) {
  if (meta.preprocessing.is_object()) {
    const json& recipe = meta.preprocessing.at("recipe");
    if (recipe.is_null()) return std::nullopt;
    return prep::recipe_from_json(recipe, checkpoint);
  }
  // A checkpoint written before train recorded the recipe: its training folder may hold it.
  const std::string data = meta.train_config.value("data", "");
  const std::string fix = "run the same preprocess command again on the training data (it reuses every case), so that "
                          "its manifest records the preprocessing, and predict again";
  if (data.empty() || !fs::is_directory(data))
    fail_file(checkpoint, fmt::format("does not record how its training images were preprocessed (it predates predict) "
                                      "and its training data folder {} is not here; {}",
                                      data, fix));
  const auto recipe = prep::recipe_of_dataset_folder(data);
  if (!recipe) return std::nullopt;
  if (recipe->is_null())
    fail_file(checkpoint, fmt::format("does not record how its training images were preprocessed, nor does the manifest "
                                      "of its training data {} (an older preprocess); {}",
                                      data, fix));
  fmt::print(stderr, "note: {} predates recorded preprocessing; using the recipe in {}'s manifest\n", checkpoint, data);
  return prep::recipe_from_json(*recipe, data);
}

// Images read as stored: no reorientation, resampling or intensity change (the model's own
// normalisation still applies, as in training).
prep::PreprocessRecipe as_stored(const PredictInput& input, int channels) {
  prep::PreprocessRecipe r;
  r.volumetric = !is_2d_image_file(input.files.front());
  for (int c = 0; c < channels; ++c) {
    r.channel_names.push_back(fmt::format("channel {}", c));
    r.intensity.push_back(prep::Intensity::none);
  }
  r.config.reorient = false;
  r.config.size = 0;
  r.config.volume_size = 0;
  r.config.spacing.clear();
  return r;
}

// `v` ([K, Z, Y, X]) with one more voxel on every side, a copy of its neighbour, and the origin
// moved so that every voxel keeps its place. Resampling reads outside the grid as 0: where the
// training grid's rounded size ends up to half a voxel short of the image's extent, the image's
// outermost voxels would get probability 0 for every class, and background by the argmax.
Volume with_replicated_border(const Volume& v) {
  Volume out;
  out.voxels = torch::replication_pad3d(v.voxels.unsqueeze(0), {1, 1, 1, 1, 1, 1}).squeeze(0);
  out.geometry = prep::padded_geometry(v.geometry, {1, 1, 1});
  return out;
}

// A folder that preprocess wrote (its dataset.json says so): its images are already prepared.
bool written_by_preprocess(const fs::path& folder) {
  const fs::path dataset_json = folder / "dataset.json";
  if (!fs::is_regular_file(dataset_json)) return false;
  try {
    return read_json_file(dataset_json).contains("preprocessed_by");
  } catch (const UserError&) {
    return false;
  }
}

bool same_geometry(const prep::Grid& a, const prep::Grid& b) {
  if (!prep::same_grid(a, b)) return false;
  for (int i = 0; i < 9; ++i)
    if (std::abs(a.geometry.direction[i] - b.geometry.direction[i]) > 1e-9) return false;
  return true;
}

}  // namespace

std::vector<PredictInput> list_predict_inputs(const fs::path& input, int channels) {
  if (fs::is_regular_file(input)) {
    if (!is_image_file(input))
      fail_file(input, "is not an image this tool reads (NIfTI, NRRD, MHA, PNG, JPEG, TIFF or BMP)");
    std::string id = prep::stem_of(input);
    if (std::smatch m; std::regex_match(id, m, kChannelSuffix) && std::stoi(m[2].str()) < channels) id = m[1].str();
    return {make_input(id, {input})};
  }
  require_exists(input, "expected a folder of images, one image file, or a dataset folder with imagesTs");
  const fs::path folder = predict_input_folder(input);
  const auto files = prep::list_files(folder, image_file_endings());
  if (files.empty())
    fail_file(folder, "holds no images (NIfTI, NRRD, MHA, PNG, JPEG, TIFF or BMP); point --input at the images");
  std::map<std::string, std::map<int, fs::path>> by_case;
  std::vector<PredictInput> inputs;
  for (const auto& file : files) {
    const std::string stem = prep::stem_of(file);
    // A suffix below the model's channel count names a channel (nnU-Net's naming); any other
    // number is part of the case id (AMOS' amos_0001.nii.gz, a video's frame_0042.png).
    if (std::smatch m; std::regex_match(stem, m, kChannelSuffix) && std::stoi(m[2].str()) < channels) {
      const auto [it, fresh] = by_case[m[1].str()].emplace(std::stoi(m[2].str()), file);
      if (!fresh)
        fail_file(folder, fmt::format("{} and {} are both channel {} of case {}; keep one", it->second.string(),
                                      file.string(), m[2].str(), m[1].str()));
    } else {
      inputs.push_back(make_input(stem, {file}));
    }
  }
  for (auto& [id, by_index] : by_case) {
    std::vector<fs::path> ordered;
    for (int c = 0; c < static_cast<int>(by_index.size()); ++c) {
      if (!by_index.count(c))
        fail_file(folder, fmt::format("case {} has no channel {:04d} ({}_{:04d}.*) but has channel {:04d}; every case "
                                      "needs channels 0000, 0001, ... without gaps",
                                      id, c, id, c, by_index.rbegin()->first));
      ordered.push_back(by_index[c]);
    }
    inputs.push_back(make_input(id, ordered));
  }
  std::map<std::string, std::string> seen;  // output name -> first input
  for (const auto& in : inputs)
    if (const auto [it, fresh] = seen.emplace(in.output_name, in.files.front().string()); !fresh)
      fail_file(folder, fmt::format("{} and {} would both be predicted into {}; rename one", it->second,
                                    in.files.front().string(), in.output_name));
  std::sort(inputs.begin(), inputs.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return inputs;
}

fs::path predict_input_folder(const fs::path& input) {
  if (fs::is_directory(input / "imagesTs")) return input / "imagesTs";
  return fs::is_directory(input) ? input : input.parent_path();
}

json run_predict(const PredictConfig& config) {
  const fs::path output = config.output;
  if (!volume_io_available())
    throw UserError("predict: this binary was built without ITK, which reads NIfTI and image files; use a build with "
                    "ITK (make)");
  // Cheap checks first: a wrong path fails before a model is loaded.
  require_exists(config.input, "expected a folder of images, one image file, or a dataset folder with imagesTs");
  refuse_output_over_inputs(output, {config.input, config.checkpoint}, "--output");
  require_replaceable_output(output, "predict", "--output");

  // The output folder itself is made once the checkpoint has loaded (claim_output_folder below).
  CheckpointCommand command =
      open_checkpoint_command(config.checkpoint, config.checkpoint_kind, config.output, config.device,
                              config.threads, config.batch_size);
  InferenceSettings& settings = command.inference.settings;
  if (config.precision != "checkpoint") settings.compute.precision = parse_precision(config.precision);
  settings.mirror_tta = config.tta;
  const auto recipe = recipe_for(command.inference.loaded.meta, command.checkpoint_file);
  const int channels = command.inference.loaded.spec.in_channels;
  const auto inputs = list_predict_inputs(config.input, channels);
  // Images preprocess already prepared would be prepared twice (a CT window applied to [0, 1]
  // values leaves a constant image): silent nonsense, so refused.
  const fs::path listed = predict_input_folder(config.input);
  for (const fs::path& folder : {listed, listed.parent_path()})
    if (recipe && !folder.empty() && written_by_preprocess(folder))
      fail_file(config.input, fmt::format("holds images that preprocess already prepared ({}/dataset.json), and predict "
                                          "prepares its inputs itself; point --input at the raw images, or evaluate "
                                          "this folder with eval",
                                          folder.string()));
  const auto& classes = command.classes();

  // What the files depend on: a folder that predict left half done with the same identity is
  // resumed; one written with another checkpoint or other settings is not mixed into.
  // The input's resolved path: predicting another folder into this one is not a resume.
  const json identity = {{"checkpoint_fingerprint", fingerprint_files({command.checkpoint_file})},
                         {"input", fs::weakly_canonical(config.input).string()},
                         {"tta", config.tta},
                         {"precision", config.precision},
                         {"save_probabilities", config.save_probabilities},
                         {"recipe", recipe ? to_json(*recipe) : json()}};
  const fs::path summary_path = output / "predict.json";
  if (fs::is_regular_file(summary_path)) {
    const json before = read_json_file(summary_path);
    if (before.value("identity", json()) != identity)
      fail_file(output, "holds predictions of another checkpoint or other settings (see its predict.json); choose "
                        "another --output, or delete that folder to predict again");
  }
  claim_output_folder(output, "predict", "--output");

  json labels = json::object();
  for (std::size_t k = 0; k < classes.size(); ++k) labels[classes[k]] = k;
  json summary = checkpoint_result_header("predict", command, to_json(config));
  summary["identity"] = identity;
  summary["labels"] = labels;  // label value of each class in the written maps (dataset.json's)
  summary["preprocessing"] = recipe ? to_json(*recipe) : json("none: images are read as stored, as in training");
  summary["complete"] = false;
  write_json_atomic(summary_path, summary);

  const auto start = std::chrono::steady_clock::now();
  json cases = json::array();
  int64_t reused = 0;
  Progress progress("predict", static_cast<int64_t>(inputs.size()));
  const fs::path probability_folder = output / "probabilities";
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const PredictInput& in = inputs[i];
    json files = json::array();
    for (const auto& f : in.files) files.push_back(f.string());
    json entry = {{"id", in.id}, {"inputs", files}, {"output", in.output_name}};
    // The label map is written last, so its presence means the case is complete.
    if (fs::is_regular_file(output / in.output_name)) {
      ++reused;
      entry["reused"] = true;
      cases.push_back(entry);
      progress.update(static_cast<int64_t>(i + 1), in.id + " (done before)");
      continue;
    }
    const prep::PreprocessRecipe r = recipe ? *recipe : as_stored(in, channels);
    const prep::PreparedImage prepared = prep::prepare_image(r, in.files);
    if (prepared.image.voxels.size(0) != channels)
      fail_file(in.files.front(), fmt::format("has {} channel(s); the model was trained on {}", prepared.image.voxels.size(0),
                                              channels));
    const Case c{in.id, "", prepared.image.voxels, {}, prepared.image.geometry};
    torch::Tensor probabilities = torch::softmax(predict_logits(command.model(), c, settings), 0);  // [K, Z, Y, X]
    const prep::Grid target = prep::grid_of(prepared.image);
    const bool resampled = !same_geometry(target, prepared.original);
    if (resampled)
      probabilities = prep::resample(with_replicated_border({probabilities, target.geometry}), prepared.original,
                                     prep::Interpolation::linear, false)
                          .voxels;
    const auto label_map = probabilities.argmax(0);  // [Z, Y, X] on the input's own grid
    if (config.save_probabilities)
      save_probability_maps(probability_folder, in.id, probabilities, prepared.original.geometry, classes);
    save_label_map(output / in.output_name, label_map, prepared.original.geometry);
    entry["original"] = prep::grid_json(prepared.original);
    entry["predicted_on"] = prep::grid_json(target);
    entry["resampled"] = resampled;
    cases.push_back(entry);
    progress.update(static_cast<int64_t>(i + 1), in.id);
  }
  progress.finish();
  summary["cases"] = cases;
  summary["reused"] = reused;
  summary["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  summary["complete"] = true;
  write_json_atomic(summary_path, summary);
  return summary;
}

}  // namespace mis
