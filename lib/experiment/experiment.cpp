#include "experiment/experiment.h"

#include <algorithm>
#include <cctype>
#include <set>

#include <fmt/format.h>

#include "core/error.h"
#include "core/fingerprint.h"
#include "experiment/evaluations.h"

namespace mis {

namespace fs = std::filesystem;

void use_checkpoint_kind(Experiment& experiment, const std::string& kind) {
  if (kind != "last" && kind != "best") throw UserError(fmt::format("--checkpoint-kind '{}': expected last or best", kind));
  for (auto& run : experiment.runs) {
    if (kind == "best" && !run.train.validation.enabled())
      fail_file(experiment.source, fmt::format("run {} trains without validation, so it keeps no best checkpoint; give "
                                               "its train settings \"validation\" or use --checkpoint-kind last",
                                               run.id));
    // "last" is the evaluations' default: left out, so that results evaluated before the key
    // existed stay complete.
    for (auto& evaluation : run.evaluations)
      if (kind == "last")
        evaluation.settings.erase("checkpoint_kind");
      else
        evaluation.settings["checkpoint_kind"] = kind;
  }
}

fs::path run_folder(const Experiment& experiment, const RunSpec& run) { return experiment.results / "runs" / run.id; }

namespace {

// Reads the experiment file with every error naming it and the key at fault.
class Reader {
 public:
  Reader(fs::path file, fs::path work_dir) : file_(std::move(file)), work_dir_(std::move(work_dir)) {}

  [[noreturn]] void fail(const std::string& key, const std::string& problem) const {
    throw UserError(fmt::format("{}: {}: {}", file_.string(), key, problem));
  }

  const json& object_at(const json& parent, const std::string& key, const std::string& where) const {
    static const json empty = json::object();
    if (!parent.contains(key)) return empty;
    const json& v = parent.at(key);
    if (!v.is_object()) fail(where + key, "expected a JSON object");
    return v;
  }

  std::string string_at(const json& parent, const std::string& key, const std::string& where) const {
    if (!parent.contains(key) || !parent.at(key).is_string()) fail(where + key, "expected a string");
    return parent.at(key).get<std::string>();
  }

  std::vector<std::string> names_at(const json& entry, const std::string& key, const std::string& where,
                                    const json& defined) const {
    if (!entry.contains(key) || !entry.at(key).is_array() || entry.at(key).empty())
      fail(where + key, "expected a non-empty list of names");
    std::vector<std::string> names;
    for (const auto& n : entry.at(key)) {
      if (!n.is_string()) fail(where + key, "expected names (strings), got " + n.dump());
      const auto name = n.get<std::string>();
      check_name(name, where + key);
      if (!defined.contains(name)) {
        std::string known;
        for (const auto& [k, v] : defined.items()) known += (known.empty() ? "" : ", ") + k;
        fail(where + key, fmt::format("'{}' is not defined; defined: {}", name, known.empty() ? "none" : known));
      }
      names.push_back(name);
    }
    return names;
  }

  // Names become parts of folder names (run ids), so they stay portable.
  void check_name(const std::string& name, const std::string& key) const {
    const bool ok = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
    });
    if (!ok) fail(key, "'" + name + "': names may hold only letters, digits, '-', '_' and '.'");
  }

  std::string resolve(const std::string& path) const {
    const fs::path p(path);
    return (p.is_absolute() ? p : work_dir_ / p).lexically_normal().string();
  }

  const fs::path& file() const { return file_; }

 private:
  fs::path file_;
  fs::path work_dir_;
};

const std::set<std::string> kTopLevelKeys = {"name",   "description", "results", "prepare",     "datasets",
                                             "models", "losses",      "train",   "evaluations", "grid"};

// Keys the run fills in itself: an experiment setting them is a mistake worth naming.
const std::set<std::string> kRunOwnedTrainKeys = {"data", "output", "threads", "device", "seed", "model", "loss"};
const std::set<std::string> kRunOwnedEvalKeys = {"checkpoint", "data", "ood", "output", "images", "threads", "device"};

std::string hash8(const json& identity) {
  Fnv1a64 h;
  h.add(identity.dump());  // nlohmann::json keeps object keys sorted, so the dump is canonical
  return h.hex().substr(0, 8);
}

}  // namespace

Experiment load_experiment(const fs::path& file, const fs::path& work_dir, const fs::path& results_override) {
  const json doc = read_json_file(file);
  Reader r(file, work_dir);
  if (!doc.is_object()) r.fail("(top level)", "expected a JSON object");
  for (const auto& [key, value] : doc.items())
    if (!kTopLevelKeys.count(key)) r.fail(key, "unknown key; see experiments/README.md for the format");

  Experiment ex;
  ex.source = file;
  ex.document = doc;
  ex.name = r.string_at(doc, "name", "");
  ex.description = doc.value("description", "");
  ex.results = r.resolve(!results_override.empty() ? results_override.string()
                                                   : doc.value("results", "results/" + ex.name));

  for (const auto& [name, settings] : r.object_at(doc, "prepare", "").items()) {
    if (!settings.is_object()) r.fail("prepare/" + name, "expected synth settings (a JSON object)");
    reject_unknown_keys(settings, to_json(SynthConfig{}), file.string() + " (prepare/" + name + ")");
    SynthConfig synth = config_from_json<SynthConfig>(settings, file.string());
    if (synth.output.empty()) r.fail("prepare/" + name + "/output", "say where the dataset is written");
    synth.output = r.resolve(synth.output);
    ex.prepare.push_back(synth);
  }

  const json& datasets = r.object_at(doc, "datasets", "");
  const json& models = r.object_at(doc, "models", "");
  const json& losses = r.object_at(doc, "losses", "");
  const json& shared_train = r.object_at(doc, "train", "");
  const json& evaluations = r.object_at(doc, "evaluations", "");
  for (const auto& key : kRunOwnedTrainKeys)
    if (shared_train.contains(key))
      r.fail("train/" + key, "is set per run (datasets, models, losses, seeds, --threads, --device); remove it");
  for (const auto& [kind, settings] : evaluations.items()) {
    const EvaluationKind& k = evaluation_kind(kind, file.string() + ": evaluations");
    if (!settings.is_object()) r.fail("evaluations/" + kind, "expected the command's settings (a JSON object)");
    for (const auto& key : kRunOwnedEvalKeys)
      if (settings.contains(key)) r.fail("evaluations/" + kind + "/" + key, "is filled in by run; remove it");
    reject_unknown_keys(settings, k.defaults, file.string() + " (evaluations/" + kind + ")");
  }

  if (!doc.contains("grid") || !doc["grid"].is_array() || doc["grid"].empty())
    r.fail("grid", "expected a non-empty list of {group, datasets, models, losses, seeds}");
  std::set<std::string> seen_identities;
  for (std::size_t g = 0; g < doc["grid"].size(); ++g) {
    const json& entry = doc["grid"][g];
    const std::string where = fmt::format("grid[{}]/", g);
    if (!entry.is_object()) r.fail(where, "expected a JSON object");
    for (const auto& [key, value] : entry.items())
      if (!std::set<std::string>{"group", "datasets", "models", "losses", "seeds", "evaluations", "train"}.count(key))
        r.fail(where + key, "unknown key; a grid entry has group, datasets, models, losses, seeds, evaluations, train");
    const std::string group = entry.value("group", "main");
    const auto dataset_names = r.names_at(entry, "datasets", where, datasets);
    const auto model_names = r.names_at(entry, "models", where, models);
    const auto loss_names = r.names_at(entry, "losses", where, losses);
    if (!entry.contains("seeds") || !entry["seeds"].is_array() || entry["seeds"].empty())
      r.fail(where + "seeds", "expected a non-empty list of integers");
    std::vector<std::string> kinds;
    if (entry.contains("evaluations")) {
      if (!entry["evaluations"].is_array()) r.fail(where + "evaluations", "expected a list of evaluation names");
      for (const auto& k : entry["evaluations"]) {
        const auto name = k.is_string() ? k.get<std::string>() : k.dump();
        if (!evaluations.contains(name)) r.fail(where + "evaluations", "'" + name + "' has no settings under evaluations");
        kinds.push_back(name);
      }
    } else {
      for (const auto& k : evaluation_kinds())
        if (evaluations.contains(k.name)) kinds.push_back(k.name);
    }
    const json& entry_train = r.object_at(entry, "train", where);

    for (const auto& dataset_name : dataset_names) {
      const json& d = datasets.at(dataset_name);
      const std::string dwhere = "datasets/" + dataset_name + "/";
      for (const auto& [key, value] : d.items())
        if (key != "data" && key != "ood" && key != "train") r.fail(dwhere + key, "unknown key; use data, ood, train");
      const std::string data = r.resolve(r.string_at(d, "data", dwhere));
      std::vector<std::string> ood;
      if (d.contains("ood")) {
        if (!d["ood"].is_array()) r.fail(dwhere + "ood", "expected a list of dataset folders");
        for (const auto& o : d["ood"]) {
          if (!o.is_string()) r.fail(dwhere + "ood", "expected folder names (strings)");
          ood.push_back(r.resolve(o.get<std::string>()));
        }
      }
      for (const auto& model_name : model_names) {
        const json& m = models.at(model_name);
        if (!m.is_object()) r.fail("models/" + model_name, "expected {\"name\": preset, \"options\": {...}}");
        for (const auto& loss_name : loss_names) {
          const json& loss = losses.at(loss_name);
          if (!loss.is_object()) r.fail("losses/" + loss_name, "expected loss settings (a JSON object)");
          for (const auto& seed : entry["seeds"]) {
            if (!seed.is_number_unsigned()) r.fail(where + "seeds", "expected non-negative integers, got " + seed.dump());
            json settings = merge_json(shared_train, r.object_at(d, "train", dwhere));
            settings = merge_json(settings, entry_train);
            settings["model"] = m;
            settings["loss"] = loss;
            settings["seed"] = seed;
            settings["data"] = data;
            const std::string source = fmt::format("{} (train settings of {} x {} x {})", file.string(),
                                                   dataset_name, model_name, loss_name);
            try {
              settings = upgrade_legacy_train_settings(settings);  // augment.rot90_flip, the key before the split
            } catch (const UserError& e) {
              throw UserError(source + ": " + e.what());
            }
            reject_unknown_keys(settings, to_json(TrainConfig{}), source);
            RunSpec run;
            run.train = train_config_from_json(settings, file.string());
            run.data = data;
            run.ood = ood;
            run.labels = {dataset_name,
                          model_name,
                          objective_variant(run.train.loss),
                          group,
                          loss_name,
                          seed.get<std::uint64_t>()};
            // The id hashes what is trained, with the data named as the experiment names it, so
            // moving the data or the results folder keeps every run's id.
            json identity = identity_of(run.train);
            identity["data"] = dataset_name;
            const std::string hash = hash8(identity);
            if (!seen_identities.insert(hash).second) continue;  // the same training, named earlier
            run.id = fmt::format("{}-{}-{}-s{}-{}", dataset_name, model_name, loss_name, run.labels.seed, hash);
            for (const auto& kind : kinds) {
              const EvaluationKind& k = evaluation_kind(kind, file.string());
              run.evaluations.push_back({k.name, evaluations.at(kind), k.file});
            }
            ex.runs.push_back(std::move(run));
          }
        }
      }
    }
  }
  for (auto& run : ex.runs) run.train.output = run_folder(ex, run).string();
  return ex;
}

}  // namespace mis
