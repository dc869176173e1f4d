#include "tools/dispatchctl/ctl_run.hpp"

#include <simdjson.h>

#include <memory>
#include <ostream>

#include "tools/dispatchctl/ctl_command.hpp"
#include "tools/dispatchctl/ctl_render.hpp"
#include "tools/dispatchctl/ctl_request.hpp"
#include "tools/dispatchctl/panel_client.hpp"

namespace smm::dispatchctl {

namespace {

using simdjson::dom::element;

// One answer, parsed; the parser owns the document the elements point into.
struct answer {
  std::string text;
  std::unique_ptr<simdjson::dom::parser> parser = std::make_unique<simdjson::dom::parser>();
  element doc;
  bool ok = false;
};

// Thrown for an answer that is no answer (not JSON, no "ok"): a daemon/tool mismatch.
struct bad_answer : std::runtime_error {
  using std::runtime_error::runtime_error;
};

answer ask(panel_client& client, const std::string& request) {
  answer a;
  a.text = client.call(request);
  if (a.parser->parse(a.text).get(a.doc) != simdjson::SUCCESS ||
      a.doc["ok"].get_bool().get(a.ok) != simdjson::SUCCESS)
    throw bad_answer("the daemon's answer is not a panel protocol answer: " + a.text.substr(0, 200));
  return a;
}

int refused(const answer& a, bool json, std::ostream& out, std::ostream& err) {
  if (json) out << a.text << '\n';
  std::string_view code, message;
  if (a.doc["error"]["code"].get_string().get(code) != simdjson::SUCCESS) code = "?";
  if (a.doc["error"]["message"].get_string().get(message) != simdjson::SUCCESS) message = "";
  err << "smm-dispatchctl: the daemon refused: " << code << ": " << message << '\n';
  return exit_failed;
}

int run_orders(const ctl_command& c, panel_client& client, std::ostream& out, std::ostream& err) {
  std::vector<answer> pages;
  std::vector<element> orders;
  std::int64_t after = c.after_id, next = 0;
  for (std::int64_t id = 1;; ++id) {
    answer a = ask(client, request_line(c, id, after));
    if (!a.ok) return refused(a, c.json, out, err);
    element result = a.doc["result"];
    simdjson::dom::array arr;
    if (result["orders"].get_array().get(arr) != simdjson::SUCCESS ||
        result["next_after_id"].get_int64().get(next))
      throw bad_answer("the daemon's orders answer has no orders or next_after_id: " + a.text.substr(0, 200));
    for (element o : arr) orders.push_back(o);
    pages.push_back(std::move(a));
    // next_after_id must grow, or a daemon bug would loop us forever.
    if (!c.all || next == 0 || next <= after) break;
    after = next;
  }
  if (!c.json) {
    out << render_orders(c.state, orders, c.all ? 0 : next);
    return exit_ok;
  }
  if (pages.size() == 1) {
    out << pages.front().text << '\n';
    return exit_ok;
  }
  // Several pages: one document with every order, as if one page had held them all.
  std::string doc =
      "{\"ok\":true,\"result\":{\"state\":" + simdjson::minify(pages.front().doc["result"]["state"]) +
      ",\"orders\":[";
  for (std::size_t i = 0; i < orders.size(); ++i) doc += (i ? "," : "") + simdjson::minify(orders[i]);
  doc += "],\"next_after_id\":0}}";
  out << doc << '\n';
  return exit_ok;
}

}  // namespace

int run_ctl(const std::vector<std::string>& args, const std::optional<std::string>& socket_from_env,
            std::ostream& out, std::ostream& err) {
  const parse_outcome parsed = parse_command_line(args, socket_from_env, out, err);
  if (!parsed.command) return parsed.exit_code;
  const ctl_command& c = *parsed.command;
  try {
    panel_client client(c.socket_path, c.timeout);
    if (c.kind == subcommand::orders) return run_orders(c, client, out, err);
    const answer a = ask(client, request_line(c, 1, c.after_id));
    if (!a.ok) return refused(a, c.json, out, err);
    if (c.json) {
      out << a.text << '\n';
      return exit_ok;
    }
    const element result = a.doc["result"];
    switch (c.kind) {
      case subcommand::status:
        out << render_overview(result);
        break;
      case subcommand::providers:
        out << render_providers(result);
        break;
      case subcommand::show:
        out << render_history(result);
        break;
      case subcommand::resolve:
        out << render_action(result);
        break;
      case subcommand::pause:
      case subcommand::resume:
        out << render_paused(result);
        break;
      case subcommand::reload:
        out << render_reloaded(result);
        break;
      case subcommand::orders:
        break;
    }
    return exit_ok;
  } catch (const connection_error& e) {
    err << "smm-dispatchctl: " << e.what() << '\n';
  } catch (const bad_answer& e) {
    err << "smm-dispatchctl: " << e.what() << '\n';
  } catch (const simdjson::simdjson_error& e) {
    err << "smm-dispatchctl: cannot read the daemon's answer: " << e.what() << '\n';
  }
  return exit_failed;
}

}  // namespace smm::dispatchctl
