#include "train/train_config.h"

#include "core/error.h"

namespace mis {

void to_json(json& j, const TrainConfig& c) {
  j = {{"data", c.data},
       {"split", c.split},
       {"output", c.output},
       {"model", {{"name", c.model.name}, {"options", c.model.options}}},
       {"loss", to_json(c.loss)},
       {"optimizer", c.optimizer},
       {"iterations", c.iterations},
       {"epochs", c.epochs},
       {"batch_size", c.batch_size},
       {"patch_size", c.patch_size},
       {"normalization", to_string(c.normalization)},
       {"augment", to_json(c.augment)},
       {"validation", c.validation},
       {"seed", c.seed},
       {"checkpoint_every", c.checkpoint_every},
       {"log_every", c.log_every},
       {"threads", c.threads},
       {"device", c.device},
       {"precision", c.precision},
       {"channels_last", c.channels_last}};
}

// `c` arrives with the defaults; the parts with their own parsers read the defaults overlaid
// with what `given` holds of them.
void from_json(const json& given, TrainConfig& c) {
  const json j = merge_json(to_json(c), given);
  c.data = j.at("data").get<std::string>();
  c.split = j.at("split").get<std::string>();
  c.output = j.at("output").get<std::string>();
  c.model.name = j.at("model").at("name").get<std::string>();
  c.model.options = j.at("model").value("options", json::object());
  c.loss = loss_config_from_json(j.at("loss"));
  c.optimizer = j.at("optimizer").get<OptimizerConfig>();
  c.iterations = j.at("iterations").get<int64_t>();
  c.epochs = j.at("epochs").get<int64_t>();
  c.batch_size = j.at("batch_size").get<int64_t>();
  c.patch_size = j.at("patch_size").get<int64_t>();
  c.normalization = parse_normalization(j.at("normalization").get<std::string>());
  c.augment = augment_options_from_json(j.at("augment"));
  c.validation = j.at("validation").get<ValidationConfig>();
  c.seed = j.at("seed").get<std::uint64_t>();
  c.checkpoint_every = j.at("checkpoint_every").get<int64_t>();
  c.log_every = j.at("log_every").get<int64_t>();
  c.threads = j.at("threads").get<int>();
  c.device = j.at("device").get<std::string>();
  c.precision = j.at("precision").get<std::string>();
  c.channels_last = j.at("channels_last").get<bool>();
}

json upgrade_legacy_train_settings(json settings) {
  if (settings.is_object() && settings.contains("augment"))
    settings["augment"] = upgrade_legacy_augment(settings["augment"]);
  return settings;
}

TrainConfig train_config_from_json(const json& given_as_written, const std::string& source) {
  json given;
  try {
    given = upgrade_legacy_train_settings(given_as_written);  // before the defaults fill in the new keys
  } catch (const UserError& e) {
    throw UserError(source + ": " + e.what());
  }
  return config_from_json<TrainConfig>(given, source);
}

void validate(const TrainConfig& c, const std::string& source) {
  if (c.optimizer.name != "sgd" && c.optimizer.name != "adamw")
    throw UserError(source + ": optimizer must be sgd or adamw, got '" + c.optimizer.name + "'");
  if (c.batch_size < 1) throw UserError(source + ": batch_size must be at least 1");
  if (c.iterations < 0 || c.epochs < 0) throw UserError(source + ": iterations and epochs cannot be negative");
  if (c.checkpoint_every < 1 || c.log_every < 1) throw UserError(source + ": checkpoint_every and log_every must be >= 1");
  if (!(c.optimizer.lr > 0)) throw UserError(source + ": lr must be positive");
  if (c.patch_size < 0) throw UserError(source + ": patch_size must be >= 0 (0 keeps the data's own size)");
  const ValidationConfig& v = c.validation;
  if (!v.split.empty() && v.split != "val")
    throw UserError(source + ": val_split must be 'val' (the splits.json that preprocess writes), got '" + v.split + "'");
  if (!v.split.empty() && v.fraction > 0.0)
    throw UserError(source + ": set val_split or val_fraction, not both");
  if (!(v.fraction >= 0.0 && v.fraction < 1.0)) throw UserError(source + ": val_fraction must be in [0, 1)");
  if (v.every < 0 || v.slices < 1) throw UserError(source + ": val_every must be >= 0 and val_slices >= 1");
  if (c.optimizer.momentum < 0 || c.optimizer.weight_decay < 0 || c.optimizer.poly_power < 0)
    throw UserError(source + ": momentum, weight_decay and poly_power cannot be negative");
  if (c.precision != "fp32" && c.precision != "bf16")
    throw UserError(source + ": precision must be fp32 or bf16, got '" + c.precision + "'");
}

json without_runtime_settings(json train_config) {
  for (const char* key : {"threads", "device", "checkpoint_every", "log_every", "channels_last"}) train_config.erase(key);
  // Augmentation settings added later enter only when used, so older runs keep their identity.
  if (train_config.contains("augment")) train_config["augment"] = augment_identity(train_config["augment"]);
  if (train_config.contains("validation") && train_config["validation"].is_object()) {
    json& v = train_config["validation"];
    v.erase("every");
    v.erase("slices");
    if (v.value("split", "").empty() && v.value("fraction", 0.0) <= 0.0) train_config.erase("validation");
  }
  return train_config;
}

json identity_of(const TrainConfig& c) {
  json j = without_runtime_settings(to_json(c));
  j.erase("output");  // where the run is, not what it trains
  return j;
}

int64_t total_steps(const TrainConfig& c, int64_t num_slices) {
  if (c.iterations > 0) return c.iterations;
  if (c.epochs > 0) return c.epochs * ((num_slices + c.batch_size - 1) / c.batch_size);
  throw UserError("set iterations (--iterations) or epochs (--epochs) to say how long to train");
}

}  // namespace mis
