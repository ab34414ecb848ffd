#pragma once
// Reading numbers out of result documents (lib/eval/result_schema.h) for the report.
// A value that is absent or null is "none", never 0.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/json.h"

namespace mis {

// The evaluations of `doc` with this role ("iid", "ood", "noise"); for "ood" optionally one dataset.
std::vector<const json*> evaluations_of(const json& doc, const std::string& role, const std::string& dataset = "");

// summary.mean[metric] of one evaluation.
std::optional<double> summary_mean(const json& evaluation, const std::string& metric);

// The mean of summary.mean[metric] over the OOD evaluations that have it (the "OOD" column).
std::optional<double> pooled_ood(const json& doc, const std::string& metric);

// Per case: the mean of `metric` over the foreground classes where it is a number, keyed
// "<dataset name>/<case id>" so cases of different test sets never pair up.
std::map<std::string, double> case_values(const json& evaluation, const std::string& metric);

// The noise-sweep evaluation of (type, level), or null.
const json* noise_evaluation(const json& doc, const std::string& type, double level);

// The noise-sweep evaluations at each corruption type's highest level, one per type, by type name.
std::vector<const json*> strongest_noise_evaluations(const json& doc);

}  // namespace mis
