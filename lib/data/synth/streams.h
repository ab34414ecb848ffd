#pragma once
// The random sub-streams of the phantom generator, shared by anatomy.cpp and appearance.cpp.
#include <cstdint>

namespace mis::synth {

// Each part of the generator draws from its own sub-stream, so changing one part (say, the
// distractors) does not reshuffle the others.
enum StreamKey : std::uint64_t { kGeometryStream = 1, kDeformationStream, kDistractorStream, kAppearanceStream };

}  // namespace mis::synth
