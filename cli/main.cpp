// mis-spectral: one binary, one subcommand per step of a study.
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "commands.h"
#include "core/build_info.h"
#include "core/error.h"
#include "core/host_memory.h"
#include "core/progress.h"
#include "parse_errors.h"

namespace {

// --quiet on the program and on every command, so that it may be written before or after the
// command's name.
void add_quiet_flag(CLI::App& app) {
  app.add_flag_callback(
      "--quiet,-q", [] { mis::set_progress_quiet(true); },
      "No progress bars (results still go to stdout; notes, warnings and errors to stderr)");
}

}  // namespace

int main(int argc, char** argv) {
  // Before any tensor exists: freed activations stay in the process between steps (core/host_memory.h).
  mis::keep_freed_host_memory(std::getenv("GLIBC_TUNABLES"));
  CLI::App app{"mis-spectral: medical image segmentation with a spatial + spectral (FFT correlation) objective.\n"
               "Typical flow: synth -> train -> eval --ood -> report. Each command's --help lists its options."};
  app.name("mis-spectral");
  app.set_version_flag("--version", [] { return mis::describe_build(); },
                       "Print the code version, LibTorch, ITK and the build options, and exit");
  app.require_subcommand(1);
  app.fallthrough(false);
  mis::cli::add_registered_commands(app);
  add_quiet_flag(app);
  for (CLI::App* command : app.get_subcommands([](CLI::App*) { return true; })) add_quiet_flag(*command);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);  // --help, --version
    std::fprintf(stderr, "error: %s\n", mis::cli::describe_parse_error(app, e, argc, argv).c_str());
    return 2;
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
