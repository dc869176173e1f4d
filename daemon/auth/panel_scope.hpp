#pragma once
// Which orders belong to which panel, for every face that identifies panels (the API v2
// endpoint by its key, the NDJSON panel socket after `hello`). An identified panel's orders
// are journaled under its prefix, "v2:<panel name>:" (the name is the API v2 endpoint's,
// which came first; the journal has orders with it): its own id "a1" is "v2:shop:a1" in the
// journal. A panel reaches only ids under its own prefix, so another panel's orders, and the
// orders of connections that never identified themselves, do not exist for it. The same panel
// sees the same orders on both faces. Pure.
#include <optional>
#include <string>
#include <string_view>

namespace smm::daemon::auth {

/// "v2:<panel>:", the prefix of every journal id of `panel`'s orders.
std::string panel_prefix(std::string_view panel);

/// "v2:<panel>:<32 lower-case hex digits>" from 128 bits of OpenSSL's RAND_bytes: an order id
/// for a face whose panels give none (API v2: every add is a new order). Throws
/// std::runtime_error when no random bytes can be had.
std::string new_panel_order_id(std::string_view panel);

/// One identified panel's view of the journal's panel order ids.
class panel_scope {
 public:
  explicit panel_scope(std::string_view panel) : panel_(panel), prefix_(panel_prefix(panel)) {}

  /// The panel's name (from its key's entry in the config).
  const std::string& panel() const { return panel_; }
  /// "v2:<panel>:".
  const std::string& prefix() const { return prefix_; }
  /// Whether the journal id is one of this panel's orders.
  bool owns(std::string_view journal_id) const;
  /// The journal id of the panel's own id `id`.
  std::string journal_id(std::string_view id) const;
  /// The panel's own id of a journal id, or nothing when the order is not this panel's.
  std::optional<std::string> own_id(std::string_view journal_id) const;

 private:
  std::string panel_;
  std::string prefix_;
};

}  // namespace smm::daemon::auth
