#pragma once
// `predict`: a trained checkpoint applied to new, unlabelled scans (the counterpart of
// nnUNetv2_predict). Each image is prepared exactly as the training images were (the
// preprocessing recipe recorded in the checkpoint: reorientation, resampling, intensities,
// resizing), predicted slice by slice, and its softmax maps are resampled back onto the image's
// own grid before the argmax, so the label map has the input's size, spacing, origin and
// direction (nnU-Net v2 likewise resamples its probabilities, not the labels).
#include <filesystem>
#include <string>
#include <vector>

#include "core/json.h"
#include "eval/predict_config.h"

namespace mis {

// One image to predict: its channel files in channel order and the label map's file name.
struct PredictInput {
  std::string id;
  std::vector<std::filesystem::path> files;
  std::string output_name;  // <id>.nii.gz, or <id>.png for 2-D image formats (PNG, JPEG, TIFF, BMP)
};

// The images of `input`: a single file, a folder of images, or a dataset folder (its imagesTs).
// For a model of `channels` input channels, files named ID_0000 .. ID_<channels-1> are the
// channels of case ID (nnU-Net's naming); any other image file is a case of its own, its whole
// name the id (amos_0001.nii.gz for a one-channel model). A UserError names the path and what
// was expected when nothing is found, a case lacks a channel, or two files claim one.
std::vector<PredictInput> list_predict_inputs(const std::filesystem::path& input, int channels);

// The folder whose images `input` names: a dataset folder's imagesTs, the folder itself, or a
// single file's folder.
std::filesystem::path predict_input_folder(const std::filesystem::path& input);

// Runs the whole command: writes OUTPUT/<case> label maps and OUTPUT/predict.json (the summary),
// resuming a folder that an interrupted predict with the same checkpoint and settings left.
// Returns the summary.
json run_predict(const PredictConfig& config);

}  // namespace mis
