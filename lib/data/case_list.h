#pragma once
// A dataset held in memory: cases made by the program itself (synth in a build without ITK,
// tests), read through the same interface as the files on disk.
#include <utility>
#include <vector>

#include "data/dataset.h"

namespace mis {

class CaseListDataset : public Dataset {
 public:
  CaseListDataset(DatasetInfo info, std::vector<Case> cases, std::string location)
      : info_(std::move(info)), cases_(std::move(cases)), location_(std::move(location)) {}

  const DatasetInfo& info() const override { return info_; }
  std::size_t size() const override { return cases_.size(); }
  std::string case_id(std::size_t index) const override { return cases_.at(index).id; }
  Case load(std::size_t index) const override { return cases_.at(index); }
  // Nothing on disk to hash: the cases come from the program that made them.
  std::string fingerprint() const override { return ""; }
  std::string location() const override { return location_; }

 private:
  DatasetInfo info_;
  std::vector<Case> cases_;
  std::string location_;
};

}  // namespace mis
