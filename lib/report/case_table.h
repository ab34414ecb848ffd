#pragma once
// Every per-case, per-class number of the runs' results as one tidy table (Wickham, "Tidy Data",
// J. Stat. Softw. 2014: one row per observation, one column per variable), for pandas
// (`pd.read_csv`) and R (`read.csv`) without editing:
//   run,dataset,model,variant,group,setting,seed,result,role,test_set,noise_type,noise_level,
//   case,domain,class,metric,value
// one row per run x test set (x noise type and level) x case x class x metric, from eval's and
// noise-sweep's results (calibrate's and explain's cases repeat eval's). value: the number at
// full precision (shortest round-trip form), booleans ("missed") as 1/0, null as NA (empty
// noise columns outside noise-sweep are NA too).
#include <string>
#include <vector>

#include "report/runs.h"

namespace mis {

constexpr const char* kCaseTableColumns =
    "run,dataset,model,variant,group,setting,seed,result,role,test_set,noise_type,noise_level,case,domain,class,"
    "metric,value";

std::string case_table_csv(const std::vector<Run>& runs);

}  // namespace mis
