#include "report/runs.h"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "core/error.h"
#include "core/files.h"
#include "eval/result_schema.h"
#include "losses/objective.h"
#include "train/train_config.h"

namespace mis {

namespace fs = std::filesystem;

namespace {

// The slot of a run a result document fills, by its "kind".
std::optional<json>* slot_of(Run& run, const json& doc, const fs::path& file) {
  const std::string kind = doc.value("kind", "");
  if (kind == "eval") return &run.eval;
  if (kind == "noise-sweep") return &run.noise;
  if (kind == "calibrate") return &run.calibrate;
  if (kind == "explain") {
    run.explain_dir = file.parent_path();
    return &run.explain;
  }
  return nullptr;  // e.g. "score" results have no trained model to compare: not part of the report
}

void attach(Run& run, json doc, const fs::path& file) {
  auto* slot = slot_of(run, doc, file);
  if (!slot) return;
  if (*slot)
    fail_file(file, fmt::format("a second '{}' result for run {} (the first is {}); keep one per run folder",
                                doc.value("kind", ""), run.id, (**slot).value("_source", "?")));
  doc["_source"] = file.string();
  *slot = std::move(doc);
}

std::string str_or(const json& j, const char* key, const std::string& fallback) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : fallback;
}

// A run.json's fields, each checked for its type: a record `run` did not write (hand-edited,
// damaged) is an error naming the file, never a run labelled "?".
Run run_from_manifest(const json& m, const fs::path& file) {
  const auto wrong = [&](const std::string& key, const json& value, const std::string& expected) {
    fail_file(file, fmt::format("\"{}\" is {}, expected {}; fix this run.json, or rerun `run` to rewrite it", key,
                                value.dump(), expected));
  };
  const auto string_field = [&](const json& parent, const std::string& prefix, const char* key,
                                const std::optional<std::string>& fallback) -> std::string {
    if (!parent.contains(key)) {
      if (!fallback) wrong(prefix + key, json(nullptr), "a string");
      return *fallback;
    }
    if (!parent[key].is_string() || parent[key].get<std::string>().empty()) wrong(prefix + key, parent[key], "a non-empty string");
    return parent[key].get<std::string>();
  };
  Run run;
  run.dir = file.parent_path();
  run.id = string_field(m, "", "id", run.dir.filename().string());
  run.status = string_field(m, "", "status", std::nullopt);
  if (run.status != "complete" && run.status != "failed" && run.status != "pending")
    wrong("status", m["status"], "\"complete\", \"failed\" or \"pending\"");
  if (m.contains("error") && !m["error"].is_string()) wrong("error", m["error"], "a string");
  run.error = str_or(m, "error", "");
  run.train_config = m.value("train_config", json::object());
  if (!run.train_config.is_object()) wrong("train_config", run.train_config, "an object");
  json labels = m.contains("labels") ? m["labels"] : json();
  if (!labels.is_object()) wrong("labels", labels, "an object");
  // What a run.json of an older `run` lacks comes from its training settings.
  const json& model = run.train_config.contains("model") ? run.train_config["model"] : json();
  if (!labels.contains("model") && model.is_object() && model.contains("name")) labels["model"] = model["name"];
  if (!labels.contains("group")) labels["group"] = "main";
  if (!labels.contains("seed")) labels["seed"] = run.train_config.value("seed", json(std::uint64_t{0}));
  try {
    if (!labels.contains("variant"))
      labels["variant"] = objective_variant(run.train_config.contains("loss") ? run.train_config["loss"] : json());
    run.labels = run_labels_from_json(labels);
  } catch (const UserError& e) {
    fail_file(file, fmt::format("{}; fix this run.json, or rerun `run` to rewrite it", e.what()));
  }
  if (run.labels.variant != "spatial" && run.labels.variant != "spectral")
    wrong("labels.variant", labels["variant"], "\"spatial\" or \"spectral\"");
  return run;
}

// The training run a loose result belongs to: its train_config without the settings that
// do not change what was trained.
std::string training_identity(const json& result) {
  return without_runtime_settings(result.value("train_config", json::object())).dump();
}

// See Run::train_log.
std::vector<json> read_train_log(const Run& run) {
  std::vector<fs::path> candidates{run.dir / "train_log.jsonl"};
  if (run.train_config.contains("output") && run.train_config["output"].is_string())
    candidates.push_back(fs::path(run.train_config["output"].get<std::string>()) / "train_log.jsonl");
  for (const auto& file : candidates) {
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) continue;
    std::vector<json> lines;
    std::istringstream in(read_text_file(file));
    for (std::string line; std::getline(in, line);) {
      json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (j.is_object() && j.contains("step") && j["step"].is_number()) lines.push_back(std::move(j));
    }
    return lines;
  }
  return {};
}

}  // namespace

RunLabels infer_labels(const json& result) {
  RunLabels l;
  const json& tc = result.contains("train_config") ? result["train_config"] : json::object();
  // The training data's name: the IID evaluation, else the set noise-sweep corrupted (its
  // --data, the training set's test split), else the training folder's name.
  std::string dataset;
  for (const char* role : {"iid", "noise"})
    for (const auto& e : result.value("evaluations", json::array()))
      if (dataset.empty() && e.value("role", "") == role && e.contains("dataset"))
        dataset = str_or(e["dataset"], "name", "");
  if (dataset.empty()) dataset = fs::path(str_or(tc, "data", "?")).filename().string();
  l.dataset = dataset;
  l.model = tc.contains("model") ? str_or(tc["model"], "name", "?") : "?";
  if (l.model == "?" && result.contains("model")) l.model = str_or(result["model"], "name", "?");
  l.variant = objective_variant(tc.contains("loss") ? tc["loss"] : json());
  l.group = "main";
  l.seed = tc.value("seed", int64_t{0});
  return l;
}

std::vector<Run> load_runs(const std::vector<fs::path>& paths) {
  std::vector<fs::path> manifests, results;
  for (const auto& p : paths) {
    if (!fs::exists(p)) throw UserError(p.string() + ": does not exist (expected a results folder or a result JSON)");
    if (!fs::is_directory(p)) {
      const json doc = read_json_file(p);
      if (doc.is_object() && doc.value("schema", "") == kRunRecordSchema) manifests.push_back(p);
      else {
        validate_result(doc, p.string());
        results.push_back(p);
      }
      continue;
    }
    std::vector<fs::path> found;
    for (auto it = fs::recursive_directory_iterator(p); it != fs::recursive_directory_iterator(); ++it) {
      // Hidden names hold what is not a result: a run's .superseded/ outputs of older data,
      // the temporary files and staging folders of writers at work (or killed). A report
      // written inside its results (results/report) is output, not input.
      const bool hidden = it->path().filename().string().rfind('.', 0) == 0;
      if (it->is_directory() && (hidden || is_command_output(it->path()))) {
        it.disable_recursion_pending();
        continue;
      }
      if (!hidden && it->is_regular_file() && it->path().extension() == ".json") found.push_back(it->path());
    }
    std::sort(found.begin(), found.end());
    for (const auto& f : found) {
      // Inside folders, other JSON files (configs, the experiment file) are skipped, not errors.
      const json doc = read_json_file(f);
      if (!doc.is_object()) continue;
      if (doc.value("schema", "") == kRunRecordSchema) manifests.push_back(f);
      else if (doc.value("schema", "") == kResultSchema) results.push_back(f);
    }
  }

  std::vector<Run> runs;
  std::map<fs::path, std::size_t> run_of_dir;
  std::set<fs::path> seen;
  for (const auto& f : manifests) {
    if (!seen.insert(fs::weakly_canonical(f)).second) continue;
    const fs::path dir = fs::weakly_canonical(f.parent_path());
    if (run_of_dir.count(dir)) fail_file(f, "a second run.json for the same folder");
    run_of_dir[dir] = runs.size();
    runs.push_back(run_from_manifest(read_json_file(f), f));
  }
  std::map<std::string, std::size_t> loose;  // training identity -> index in runs
  for (const auto& f : results) {
    if (!seen.insert(fs::weakly_canonical(f)).second) continue;
    json doc = read_json_file(f);
    validate_result(doc, f.string());
    const auto in_run = run_of_dir.find(fs::weakly_canonical(f.parent_path()));
    if (in_run != run_of_dir.end()) {
      attach(runs[in_run->second], std::move(doc), f);
      continue;
    }
    const std::string identity = training_identity(doc);
    auto it = loose.find(identity);
    if (it == loose.end()) {
      Run run;
      run.dir = f.parent_path();
      run.labels = infer_labels(doc);
      run.train_config = doc.value("train_config", json::object());
      run.id = fmt::format("{}/{}", run.dir.filename().string(), f.stem().string());
      it = loose.emplace(identity, runs.size()).first;
      runs.push_back(std::move(run));
    }
    attach(runs[it->second], std::move(doc), f);
  }
  for (auto& run : runs) run.train_log = read_train_log(run);
  return runs;
}

std::string experiment_name(const std::vector<fs::path>& paths) {
  for (const auto& p : paths) {
    const fs::path file = p / "experiment.json";
    if (!fs::is_directory(p) || !fs::is_regular_file(file)) continue;
    const json doc = read_json_file(file);
    if (doc.is_object() && doc.contains("name") && doc["name"].is_string()) return doc["name"].get<std::string>();
  }
  return "";
}

}  // namespace mis
