// mis_peers_probe: evaluates library functions that no command exposes on arrays given by the
// peer checks (tests/peers/README.md), built only with -DMIS_PEERS_PROBE=ON.
//
//   mis_peers_probe spectral IN.npz JOBS.json OUT.npz
//     For each job {"name", "mode", "band": [low, high] | null, "include_background", "dtype"}:
//     reads IN's "<name>/logits" [B, K, H, W] and "<name>/labels" [B, H, W], computes
//     spectral_loss(softmax(logits), one_hot(labels)) (lib/losses/spectral.h) in "float32" or
//     "float64", and writes OUT's "<name>/loss" [], "<name>/grad" (d loss / d logits),
//     "<name>/scc" and "<name>/valid" [B, C'].
//   mis_peers_probe fft2 IN.npz OUT.npz
//     For every array X of IN: "<X>/re" and "<X>/im" of torch::fft::fft2(X, norm "ortho") in
//     float64, the call the spectral loss makes.
//   mis_peers_probe corrupt IN.npz JOBS.json OUT.npz
//     For each job {"name", "input", "type", "level", "seed", "case" (optional)}: corrupt(IN's
//     "<input>" [C, Z, Y, X], type, level, seed) (lib/eval/corruptions.h), written as OUT's
//     "<name>" (float32). With "case", the seed is corruption_seed(seed, case, type, level), as
//     `eval --noise` draws it.
//   mis_peers_probe transunet PRESET WEIGHTS.npz IN.npz OUT.npz
//     Builds the model PRESET (transunet or transunet-vit, 3 input channels) with
//     "pretrained": WEIGHTS (models/pretrained_mapping.h), in eval mode, and runs its encoder on
//     IN's "x" [B, 3, H, W]: OUT's "skip/0".."skip/2" (the ResNet's 1/8, 1/4 and 1/2 skip
//     features; hybrid only), "resnet" (its 1/16 map), "embeddings" (patch tokens plus position
//     embeddings), "hidden/<i>" (the tokens after encoder block i) and "encoded" (after the
//     final LayerNorm), all float32.
//   mis_peers_probe viridis IN.npz OUT.npz
//     For every array X [H, W] of IN: viridis(X) [H, W, 3] (lib/viz/images.h), float32.
#include <cstdint>
#include <cstdio>
#include <exception>
#include <fstream>
#include <map>
#include <string>

#include <torch/torch.h>

#include "core/json.h"
#include "eval/corruptions.h"
#include "losses/spectral.h"
#include "models/npz.h"
#include "models/registry.h"
#include "models/transunet.h"
#include "viz/images.h"

namespace {

int spectral(const std::string& in, const std::string& jobs_file, const std::string& out) {
  const auto arrays = mis::read_npz(in);
  std::ifstream f(jobs_file);
  const mis::json jobs = mis::json::parse(f);
  std::map<std::string, torch::Tensor> results;
  for (const auto& job : jobs) {
    const std::string name = job.at("name");
    const auto dtype = job.at("dtype") == "float64" ? torch::kDouble : torch::kFloat;
    mis::SpectralOptions options;
    options.mode = mis::parse_spectral_mode(job.at("mode"));
    if (!job.at("band").is_null()) options.band = std::make_pair(job["band"][0].get<double>(), job["band"][1].get<double>());
    options.include_background = job.at("include_background");
    // read_npz narrows to float32; the checks write float32 inputs, so nothing is lost.
    const auto logits = arrays.at(name + "/logits").to(dtype).requires_grad_(true);
    const auto labels = arrays.at(name + "/labels").round().to(torch::kLong);
    const auto probs = torch::softmax(logits, 1);
    const auto onehot = torch::one_hot(labels, logits.size(1)).permute({0, 3, 1, 2}).to(dtype);
    const auto loss = mis::spectral_loss(probs, onehot, options);
    loss.backward();
    const auto corr = mis::spectral_correlation(probs.detach(), onehot, options);
    results[name + "/loss"] = loss.detach().to(torch::kDouble);
    results[name + "/grad"] = logits.grad().to(torch::kDouble);
    results[name + "/scc"] = corr.scc.to(torch::kDouble);
    results[name + "/valid"] = corr.valid.to(torch::kDouble);
  }
  mis::write_npz(out, results);
  return 0;
}

int fft2(const std::string& in, const std::string& out) {
  std::map<std::string, torch::Tensor> results;
  for (const auto& [name, x] : mis::read_npz(in)) {
    const auto spectrum = torch::fft::fft2(x.to(torch::kDouble), c10::nullopt, {-2, -1}, "ortho");
    results[name + "/re"] = torch::real(spectrum).contiguous();
    results[name + "/im"] = torch::imag(spectrum).contiguous();
  }
  mis::write_npz(out, results);
  return 0;
}

int corrupt(const std::string& in, const std::string& jobs_file, const std::string& out) {
  const auto arrays = mis::read_npz(in);
  std::ifstream f(jobs_file);
  const mis::json jobs = mis::json::parse(f);
  std::map<std::string, torch::Tensor> results;
  for (const auto& job : jobs) {
    const auto type = mis::parse_corruption(job.at("type").get<std::string>());
    const double level = job.at("level").get<double>();
    auto seed = job.at("seed").get<std::uint64_t>();
    if (job.contains("case")) seed = mis::corruption_seed(seed, job["case"].get<std::string>(), type, level);
    results[job.at("name").get<std::string>()] = mis::corrupt(arrays.at(job.at("input").get<std::string>()), type, level, seed);
  }
  mis::write_npz(out, results);
  return 0;
}

int transunet(const std::string& preset, const std::string& weights, const std::string& in, const std::string& out) {
  mis::ModelSpec spec;
  spec.name = preset;
  spec.options = {{"pretrained", weights}};
  spec.in_channels = 3;
  auto model = std::dynamic_pointer_cast<mis::TransUNetImpl>(mis::make_model(spec));
  if (!model) throw std::runtime_error(preset + " is not a TransUNet preset");
  model->eval();
  torch::NoGradGuard no_grad;
  auto x = mis::read_npz(in).at("x");
  std::map<std::string, torch::Tensor> results;
  if (model->resnet) {
    std::vector<torch::Tensor> skips;
    std::tie(x, skips) = model->resnet->forward(x);
    for (size_t i = 0; i < skips.size(); ++i) results["skip/" + std::to_string(i)] = skips[i];
    results["resnet"] = x;
  }
  auto tokens = model->embeddings->forward(x);
  results["embeddings"] = tokens;
  const auto& blocks = model->encoder->layer;
  for (size_t i = 0; i < blocks->size(); ++i) {
    tokens = blocks->ptr<mis::EncoderBlockImpl>(i)->forward(tokens);
    results["hidden/" + std::to_string(i)] = tokens;
  }
  results["encoded"] = model->encoder->encoder_norm->forward(tokens);
  for (auto& [name, tensor] : results) tensor = tensor.contiguous();
  mis::write_npz(out, results);
  return 0;
}

int viridis(const std::string& in, const std::string& out) {
  std::map<std::string, torch::Tensor> results;
  for (const auto& [name, x] : mis::read_npz(in)) results[name] = mis::viridis(x).contiguous();
  mis::write_npz(out, results);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    torch::set_num_threads(1);
    const std::string what = argc > 1 ? argv[1] : "";
    if (what == "spectral" && argc == 5) return spectral(argv[2], argv[3], argv[4]);
    if (what == "fft2" && argc == 4) return fft2(argv[2], argv[3]);
    if (what == "corrupt" && argc == 5) return corrupt(argv[2], argv[3], argv[4]);
    if (what == "viridis" && argc == 4) return viridis(argv[2], argv[3]);
    if (what == "transunet" && argc == 6) return transunet(argv[2], argv[3], argv[4], argv[5]);
    std::fprintf(stderr,
                 "usage: mis_peers_probe spectral IN.npz JOBS.json OUT.npz | fft2 IN.npz OUT.npz | "
                 "corrupt IN.npz JOBS.json OUT.npz | transunet PRESET WEIGHTS.npz IN.npz OUT.npz | viridis IN.npz OUT.npz\n");
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mis_peers_probe: %s\n", e.what());
    return 1;
  }
}
