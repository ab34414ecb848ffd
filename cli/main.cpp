// mis-spectral: one binary, one subcommand per step of a study.
#include <cstdio>
#include <iostream>

#include "commands.h"
#include "core/error.h"
#include "core/version.h"

int main(int argc, char** argv) {
  CLI::App app{"mis-spectral: medical image segmentation with a spatial + spectral (FFT correlation) objective.\n"
               "Typical flow: synth -> train -> eval --ood -> report. Each command's --help lists its options."};
  app.set_version_flag("--version", std::string("mis-spectral ") + mis::code_version());
  app.require_subcommand(1);
  app.fallthrough(false);
  mis::cli::add_registered_commands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const mis::UserError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  } catch (const c10::Error& e) {
    const std::string what = e.what_without_backtrace();
    std::fprintf(stderr, "error (LibTorch): %s\n", what.substr(0, what.find('\n')).c_str());
    return 3;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "internal error: %s\n", e.what());
    return 3;
  }
  return 0;
}
