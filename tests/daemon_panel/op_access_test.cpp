// Which socket serves which op (a row per op), the forbidden message, and what the audit log
// says an admin request names.
#include "daemon/panel/op_access.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace smm::daemon::panel {
namespace {

struct row {
  bool panel;
  bool admin;
};

TEST(OpAccess, EveryOpHasItsSocket) {
  const std::map<std::string, row> want{
      {"add", {true, false}},        {"cancel", {true, false}},   {"refill", {true, false}},
      {"speedup", {true, false}},    {"status", {true, true}},    {"refill_status", {true, true}},
      {"services", {true, true}},    {"providers", {true, true}}, {"subscribe", {true, true}},
      {"unsubscribe", {true, true}}, {"ping", {true, true}},      {"overview", {false, true}},
      {"orders", {false, true}},     {"history", {false, true}},  {"pause", {false, true}},
      {"resume", {false, true}},     {"resolve", {false, true}},  {"reload", {false, true}},
      {"hello", {true, false}},  // keys on the panel socket; the admin socket's file mode authorizes
  };
  std::size_t seen = 0;
  for (auto o = static_cast<int>(op::add); o <= static_cast<int>(last_op); ++o) {
    const auto kind = static_cast<op>(o);
    const std::string name(to_string(kind));
    const auto it = want.find(name);
    ASSERT_NE(it, want.end()) << "no row for op " << name;
    EXPECT_EQ(serves(socket_role::panel, kind), it->second.panel) << name;
    EXPECT_EQ(serves(socket_role::admin, kind), it->second.admin) << name;
    EXPECT_EQ(is_admin_op(kind), !it->second.panel) << name;
    ++seen;
  }
  EXPECT_EQ(seen, want.size());
}

TEST(OpAccess, ForbiddenNamesTheSocketThatServesTheOp) {
  EXPECT_EQ(forbidden_message(socket_role::panel, op::resolve, "/run/smm-dispatchd/admin.sock"),
            "op \"resolve\" is served only on the admin socket /run/smm-dispatchd/admin.sock");
  EXPECT_EQ(forbidden_message(socket_role::admin, op::add, "/run/smm-dispatchd/panel.sock"),
            "op \"add\" is served only on the panel socket /run/smm-dispatchd/panel.sock");
  EXPECT_EQ(forbidden_message(socket_role::panel, op::reload, ""),
            "op \"reload\" is served only on the admin socket");
}

TEST(OpAccess, AuditSubjectNamesTheOrderOrProviderQuoted) {
  request r;
  r.kind = op::resolve;
  r.ids = {"a1"};
  r.placed = true;
  r.provider_order_id = "123";
  EXPECT_EQ(audit_subject(r), "order \"a1\" placed as \"123\"");
  r.placed = false;
  EXPECT_EQ(audit_subject(r), "order \"a1\" not placed");
  r.canceled = true;
  EXPECT_EQ(audit_subject(r), "order \"a1\" canceled");

  request h;
  h.kind = op::history;
  h.ids = {"x\"\ny"};  // a forged second log line stays on this one
  EXPECT_EQ(audit_subject(h), "order \"x\\\"\\ny\"");

  request p;
  p.kind = op::pause;
  p.provider = "alpha";
  p.reason = "maintenance";
  EXPECT_EQ(audit_subject(p), "provider \"alpha\" reason \"maintenance\"");
  p.kind = op::resume;
  EXPECT_EQ(audit_subject(p), "provider \"alpha\"");

  request l;
  l.kind = op::orders;
  l.state = order_state::unknown;
  l.after_id = 7;
  l.limit = 100;
  EXPECT_EQ(audit_subject(l), "state unknown after 7 limit 100");

  request s;
  s.kind = op::status;
  s.ids = {"1", "2", "3", "4", "5", "6"};
  EXPECT_EQ(audit_subject(s), "6 orders \"1\", \"2\", \"3\", \"4\", \"5\", ...");

  request o;
  o.kind = op::overview;
  EXPECT_EQ(audit_subject(o), "");
}

}  // namespace
}  // namespace smm::daemon::panel
