#include "daemon/command_line.hpp"

#include <CLI/CLI.hpp>
#include <ostream>

#include "config/loader.hpp"
#include "config/schema.hpp"

#ifndef SMM_VERSION
#define SMM_VERSION "unknown"
#endif

namespace smm {
namespace {

void print_warnings(const config_result& r, std::ostream& err) {
  for (config_error w : r.warnings) {
    w.message = "warning: " + w.message;
    err << to_string(w) << '\n';
  }
}

/// Prints the errors (or "OK") of one config file; returns the exit code.
int check_config(const std::string& file, std::ostream& out, std::ostream& err) {
  const config_result r = load_config_file(file);
  print_warnings(r, err);
  if (!r) {
    err << to_string(r.errors);
    err << file << ": " << r.errors.size() << (r.errors.size() == 1 ? " error\n" : " errors\n");
    return 1;
  }
  out << file << ": OK (" << r.value->providers.size() << " providers, " << r.value->services.size()
      << " services)\n";
  return 0;
}

/// --config: load, validate, and run the daemon (or, without a runner, summarize).
int run_with_config(const std::string& file, std::ostream& out, std::ostream& err,
                    const daemon_runner& runner) {
  const config_result r = load_config_file(file);
  print_warnings(r, err);
  if (!r) {
    err << to_string(r.errors);
    return 1;
  }
  const config& c = *r.value;
  if (runner) return runner(c, file);
  out << file << ": loaded " << c.providers.size() << " providers, " << c.services.size() << " services, "
      << c.daemon.panel_keys.size() << " panel keys; panel socket " << c.daemon.socket_path.string()
      << "; no daemon runner in this build, exiting\n";
  return 0;
}

}  // namespace

int run_command_line(int argc, const char* const* argv, std::ostream& out, std::ostream& err,
                     const daemon_runner& runner) {
  CLI::App app{"smm-dispatchd: takes SMM panel orders and dispatches them to providers"};
  app.name("smm-dispatchd");
  command_line_options o;
  std::string check_file;
  std::string config_file;
  auto* check = app.add_option("--check-config", check_file,
                               "Validate FILE; print every error and exit 1, or exit 0 when valid")
                    ->type_name("FILE");
  auto* run = app.add_option("-c,--config", config_file, "Run with the config FILE")->type_name("FILE");
  auto* schema = app.add_flag("--print-config-schema", o.print_schema,
                              "Print every config key (type, default, description) as Markdown");
  auto* version = app.add_flag("-V,--version", o.version, "Print the version and exit");
  check->excludes(run)->excludes(schema)->excludes(version);
  run->excludes(schema)->excludes(version);
  schema->excludes(version);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e, out, err);
    return code == 0 ? 0 : 2;  // help prints and succeeds; any other parse problem is usage
  }
  if (o.version) {
    out << "smm-dispatchd " << SMM_VERSION << '\n';
    return 0;
  }
  if (o.print_schema) {
    out << schema_markdown();
    return 0;
  }
  if (*check) return check_config(check_file, out, err);
  if (*run) return run_with_config(config_file, out, err, runner);
  err << "smm-dispatchd: nothing to do: give --config FILE or --check-config FILE (see --help)\n";
  return 2;
}

}  // namespace smm
