// Overlap metrics and the empty-mask conventions (docs/method.md section 3), by hand.
#include <doctest/doctest.h>

#include "eval/evaluator.h"
#include "eval/result_schema.h"
#include "metrics/overlap.h"

using namespace mis;

TEST_CASE("confusion counts and DSC/IoU/sensitivity/precision by hand") {
  // reference: class 1 at 4 voxels; prediction: 3 of them plus 2 false positives.
  const auto ref = torch::tensor({1, 1, 1, 1, 0, 0, 0, 0, 2, 2}, torch::kLong);
  const auto pred = torch::tensor({1, 1, 1, 0, 1, 1, 0, 0, 2, 0}, torch::kLong);
  const auto counts = confusion_counts(pred, ref, 3);
  CHECK(counts[1].tp == 3);
  CHECK(counts[1].fp == 2);
  CHECK(counts[1].fn == 1);
  CHECK(counts[2].tp == 1);
  CHECK(counts[2].fn == 1);
  const auto s = overlap_scores(counts[1], EmptyConvention::nnunet);
  CHECK(*s.dsc == doctest::Approx(6.0 / 9.0));  // 2*3 / (5 + 4)
  CHECK(*s.iou == doctest::Approx(3.0 / 6.0));  // 3 / |union| 6
  CHECK(*s.sensitivity == doctest::Approx(3.0 / 4.0));
  CHECK(*s.precision == doctest::Approx(3.0 / 5.0));
  CHECK_FALSE(s.missed);
}

TEST_CASE("empty masks under the nnU-Net convention") {
  ClassCounts both_empty;
  const auto a = overlap_scores(both_empty, EmptyConvention::nnunet);
  CHECK_FALSE(a.dsc.has_value());
  CHECK_FALSE(a.iou.has_value());

  ClassCounts false_positive_only;
  false_positive_only.fp = 5;
  const auto b = overlap_scores(false_positive_only, EmptyConvention::nnunet);
  CHECK(*b.dsc == 0.0);
  CHECK(*b.iou == 0.0);
  CHECK_FALSE(b.sensitivity.has_value());

  ClassCounts missed;
  missed.fn = 7;
  const auto c = overlap_scores(missed, EmptyConvention::nnunet);
  CHECK(*c.dsc == 0.0);
  CHECK(c.missed);
  CHECK_FALSE(c.precision.has_value());
}

TEST_CASE("empty masks under TransUNet's published rule") {
  ClassCounts both_empty;
  CHECK(*overlap_scores(both_empty, EmptyConvention::transunet).dsc == 0.0);
  ClassCounts false_positive_only;
  false_positive_only.fp = 5;
  CHECK(*overlap_scores(false_positive_only, EmptyConvention::transunet).dsc == 1.0);
  ClassCounts missed;
  missed.fn = 7;
  CHECK(*overlap_scores(missed, EmptyConvention::transunet).dsc == 0.0);
}

TEST_CASE("score_case writes null for undefined metrics and the summary leaves them out") {
  const std::vector<std::string> classes{"background", "a", "b"};
  const auto ref1 = torch::tensor({1, 1, 0, 0}, torch::kLong), pred1 = torch::tensor({1, 0, 0, 0}, torch::kLong);
  const auto ref2 = torch::tensor({1, 0, 0, 0}, torch::kLong), pred2 = torch::tensor({1, 0, 0, 0}, torch::kLong);
  json cases = json::array();
  cases.push_back(score_case("c1", "", pred1, ref1, classes, EmptyConvention::nnunet));
  cases.push_back(score_case("c2", "", pred2, ref2, classes, EmptyConvention::nnunet));
  CHECK(cases[0]["metrics"]["a"]["dsc"].get<double>() == doctest::Approx(2.0 / 3.0));
  CHECK(cases[0]["metrics"]["b"]["dsc"].is_null());
  const json summary = summarize_cases(cases, classes);
  CHECK(summary["per_class"]["a"]["dsc"]["mean"].get<double>() == doctest::Approx((2.0 / 3.0 + 1.0) / 2));
  CHECK(summary["per_class"]["a"]["dsc"]["n"].get<int>() == 2);
  CHECK(summary["per_class"]["b"]["dsc"]["n"].get<int>() == 0);
  // The mean over classes uses only classes with a value.
  CHECK(summary["mean"]["dsc"].get<double>() == doctest::Approx((2.0 / 3.0 + 1.0) / 2));
}
