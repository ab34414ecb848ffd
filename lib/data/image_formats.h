#pragma once
// The file formats read as images (through ITK), by file ending: one list for predict's input
// folders, preprocess' nnU-Net layout and the nnU-Net raw reader, so that they cannot disagree.
#include <string>
#include <vector>

namespace mis {

// Volumes: NIfTI, NRRD, MetaImage. Lower case, ".nii.gz" before ".nii".
const std::vector<std::string>& volume_file_endings();
// 2-D images: PNG, JPEG, TIFF, BMP. Lower case.
const std::vector<std::string>& image_2d_file_endings();
// Both lists, volumes first.
std::vector<std::string> image_file_endings();

// The ending of the file name `name` among image_file_endings(), compared case-insensitively,
// in lower case; "" when it is none of them.
std::string image_file_ending(const std::string& name);
// True for an ending (any case) of image_2d_file_endings().
bool is_2d_image_ending(const std::string& ending);

}  // namespace mis
