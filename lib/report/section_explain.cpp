#include "report/sections.h"

#include <array>
#include <filesystem>
#include <map>
#include <tuple>

#include <fmt/format.h>

#include "core/strings.h"

namespace mis {

namespace {

std::optional<double> energy_of(const json& doc) {
  for (const json* s : {doc.contains("summary") ? &doc["summary"] : nullptr,
                        doc.contains("evaluations") && !doc["evaluations"].empty() &&
                                doc["evaluations"][0].contains("summary")
                            ? &doc["evaluations"][0]["summary"]
                            : nullptr})
    if (s && s->contains("mean") && (*s)["mean"].contains("energy_in_mask") &&
        (*s)["mean"]["energy_in_mask"].is_number())
      return (*s)["mean"]["energy_in_mask"].get<double>();
  return std::nullopt;
}

}  // namespace

void explain_section(const Context& ctx, ReportContent& out) {
  Table t;
  t.id = "interpretability";
  t.title = "Interpretability (Grad-CAM)";
  t.note = "Energy in mask: the share of Grad-CAM energy inside the reference mask of the explained class, in %, "
           "mean ± sample std over seeds; p over the explained (case, slice, class) items.";
  t.columns = {"Dataset", "Model"};
  for (const auto& c : pair_header("Energy in mask", "Δ pp")) t.columns.push_back(c);
  const CasesOf cases = [](const Run& r) -> std::map<std::string, double> {
    std::map<std::string, double> m;
    if (!r.explain || !r.explain->contains("evaluations") || (*r.explain)["evaluations"].empty()) return m;
    for (const auto& c : (*r.explain)["evaluations"][0].value("cases", json::array()))
      if (c.contains("energy_in_mask") && c["energy_in_mask"].is_number())
        m[fmt::format("{}/{}/{}", c.value("id", "?"), c.value("slice", json(0)).dump(),
                      c.value("class", json("")).dump())] = c["energy_in_mask"].get<double>();
    return m;
  };
  for (const auto& [key, p] : ctx.main) {
    bool any = false;
    for (const RunSet* s : {&p.spatial, &p.spectral})
      for (const Run* r : *s) any = any || r->explain.has_value();
    if (!any) continue;
    std::vector<Cell> row{Cell::str(key.first), Cell::str(key.second)};
    four_cells(row, p, [](const Run& r) { return r.explain ? energy_of(*r.explain) : std::nullopt; }, cases, 100, 2);
    t.rows.push_back(std::move(row));
    // One panel row per explained item (seed, case, slice, class): the overlay of each variant
    // side by side, then the Grad-CAM of each, so the same slice is compared at a glance.
    std::map<std::tuple<std::uint64_t, std::string, std::string, std::string>, std::array<std::vector<GalleryImage>, 4>>
        rows;
    for (const auto& [variant, runs] : {std::pair{0, &p.spatial}, {1, &p.spectral}})
      for (const Run* r : *runs) {
        if (!r->explain || !r->explain->contains("evaluations") || (*r->explain)["evaluations"].empty()) continue;
        std::size_t index = 0;
        for (const auto& c : (*r->explain)["evaluations"][0].value("cases", json::array())) {
          ++index;
          if (!c.contains("images") || !c["images"].is_object()) continue;
          const std::string cls = c.value("class", json("")).is_string() ? c["class"].get<std::string>()
                                                                          : c.value("class", json("")).dump();
          const std::string id = c.value("id", "?"), slice = c.value("slice", json(0)).dump();
          std::string caption = variant == 0 ? "spatial only" : "spatial + spectral";
          if (c.contains("energy_in_mask") && c["energy_in_mask"].is_number())
            caption += fmt::format(", energy in mask {:.1f}%", 100 * c["energy_in_mask"].get<double>());
          auto& row = rows[{r->labels.seed, id, slice, cls}];
          for (const auto& [slot, kind] : {std::pair{0, "overlay"}, {2, "gradcam"}}) {
            if (!c["images"].contains(kind) || !c["images"][kind].is_string()) continue;
            const std::filesystem::path src = r->explain_dir / c["images"][kind].get<std::string>();
            row[static_cast<std::size_t>(slot + variant)].push_back(
                {src,
                 fmt::format("images/{}/{:03d}_{}_{}_{}.png", sanitize_id(r->id), index, sanitize_id(id),
                             sanitize_id(cls), kind),
                 fmt::format("{} ({})", caption,
                             kind == std::string("overlay")
                                 ? "reference red, prediction green, overlap yellow"
                                 : "Grad-CAM in viridis, 0 purple to the slice's largest value yellow, scale at the right")});
          }
        }
      }
    for (auto& [item, slots] : rows) {
      const auto& [seed, id, slice, cls] = item;
      GalleryRun g;
      g.title = fmt::format("{} · {} · {} slice {} class {} · seed {}", key.first, key.second, id, slice, cls, seed);
      for (auto& images : slots)
        for (auto& im : images) g.images.push_back(std::move(im));
      out.gallery.push_back(std::move(g));
    }
  }
  out.tables.push_back(std::move(t));
}

}  // namespace mis
