#include "config/secret_scrubber.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

namespace smm {
namespace {

constexpr auto npos = std::string_view::npos;

// Where a value stops: in a query or form (`key=…`), and for a header or Bearer token.
constexpr std::string_view query_value_end = " \t\r\n&\"'<>\\,;)]}#";
constexpr std::string_view token_end = " \t\r\n\"'<>\\&,;)]}";

bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }
bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool is_name_char(char c) { return is_alnum(c) || c == '_' || c == '-' || c == '.'; }
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool ends_with_nocase(std::string_view s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  return std::equal(suffix.begin(), suffix.end(), s.end() - static_cast<std::ptrdiff_t>(suffix.size()),
                    [](char a, char b) { return a == lower(b); });
}

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && ends_with_nocase(s.substr(0, prefix.size()), prefix);
}

// A parameter or member name that carries a credential.
bool is_credential_name(std::string_view name) {
  for (std::string_view suffix : {"key", "token", "secret", "password", "passwd", "authorization"})
    if (ends_with_nocase(name, suffix)) return true;
  return false;
}

// A credential name as a header (`X-Api-Key:`, `Authorization:`, `api_key:`). A lone "key"
// or "token" before ':' is prose ("invalid key: ..."), whose next word must survive.
bool is_credential_header(std::string_view name) {
  return is_credential_name(name) && (ends_with_nocase(name, "authorization") ||
                                      ends_with_nocase(name, "apikey") || name.find_first_of("-_") != npos);
}

// The name right before position `end` (letters, digits, '_', '-', '.').
std::string_view name_before(std::string_view t, std::size_t end) {
  std::size_t from = end;
  while (from > 0 && is_name_char(t[from - 1])) --from;
  return t.substr(from, end - from);
}

std::size_t skip_blanks(std::string_view t, std::size_t i) {
  while (i < t.size() && (t[i] == ' ' || t[i] == '\t')) ++i;
  return i;
}

std::size_t find_end(std::string_view t, std::size_t from, std::string_view stops) {
  const auto end = t.find_first_of(stops, from);
  return end == npos ? t.size() : end;
}

// Appends t[from, value) and the mask; returns where copying resumes, or npos for an empty value.
std::size_t mask_between(std::string_view t, std::size_t from, std::size_t value, std::size_t end,
                         std::string& out) {
  if (end <= value) return npos;
  out.append(t.substr(from, value - from));
  out += scrub_mask;
  return end;
}

// `name=value` in a query, a form body or a log line.
std::size_t mask_assignment(std::string_view t, std::size_t i, std::string& out) {
  if (!is_credential_name(name_before(t, i))) return npos;
  return mask_between(t, i, i + 1, find_end(t, i + 1, query_value_end), out);
}

// `scheme://user:pass@host`: the user-info goes.
std::size_t mask_userinfo(std::string_view t, std::size_t i, std::string& out) {
  const std::size_t from = i + 3;
  const std::size_t at = find_end(t, from, "/?#@ \t\r\n\"'<>\\");
  if (at >= t.size() || t[at] != '@') return npos;
  return mask_between(t, i, from, at, out);
}

// `"api_key": "value"`, also inside an escaped JSON string (`\"api_key\":\"value\"`).
std::size_t mask_json_member(std::string_view t, std::size_t i, std::string& out) {
  std::size_t q = i;
  while (q > 0 && (t[q - 1] == ' ' || t[q - 1] == '\t')) --q;
  if (q == 0 || t[q - 1] != '"') return npos;
  std::size_t name_end = q - 1;
  if (name_end > 0 && t[name_end - 1] == '\\') --name_end;
  const std::string_view name = name_before(t, name_end);
  const std::size_t name_start = name_end - name.size();
  if (name.empty() || name_start == 0 || t[name_start - 1] != '"' || !is_credential_name(name)) return npos;
  std::size_t v = skip_blanks(t, i + 1);
  if (v < t.size() && t[v] == '"') return mask_between(t, i, v + 1, find_end(t, v + 1, "\"\\"), out);
  if (v + 1 < t.size() && t[v] == '\\' && t[v + 1] == '"')
    return mask_between(t, i, v + 2, find_end(t, v + 2, "\"\\"), out);
  return mask_between(t, i, v, find_end(t, v, ",}] \t\r\n"), out);  // a number or a bare word
}

// `X-Api-Key: value`, `Authorization: Bearer value` (the scheme word stays readable).
std::size_t mask_header(std::string_view t, std::size_t i, std::string& out) {
  const std::string_view name = name_before(t, i);
  if (!is_credential_header(name)) return npos;
  std::size_t v = skip_blanks(t, i + 1);
  std::size_t end = find_end(t, v, token_end);
  if (ends_with_nocase(name, "authorization") && end < t.size() && t[end] == ' ') {
    const std::string_view scheme = t.substr(v, end - v);
    const bool is_scheme = !scheme.empty() && std::all_of(scheme.begin(), scheme.end(), [](char c) {
      return is_alnum(c) && !(c >= '0' && c <= '9');
    });
    const std::size_t credential = skip_blanks(t, end);
    if (is_scheme && credential < t.size() && find_end(t, credential, token_end) > credential) {
      v = credential;
      end = find_end(t, v, token_end);
    }
  }
  return mask_between(t, i, v, end, out);
}

// `Bearer value` anywhere (an echoed header without its name, a log line).
std::size_t mask_bearer(std::string_view t, std::size_t i, std::string& out) {
  if ((i > 0 && is_alnum(t[i - 1])) || !starts_with_nocase(t.substr(i), "bearer")) return npos;
  const std::size_t after = i + 6;
  if (after >= t.size() || (t[after] != ' ' && t[after] != '+')) return npos;
  std::size_t v = after;
  while (v < t.size() && (t[v] == ' ' || t[v] == '+')) ++v;
  return mask_between(t, i, v, find_end(t, v, token_end), out);
}

// True when t[pos] follows an escape sequence (%3D, \n, \u0026): a boundary, though the
// escape ends in a letter or digit.
bool after_escape(std::string_view t, std::size_t pos) {
  if (pos >= 3 && t[pos - 3] == '%' && is_hex(t[pos - 2]) && is_hex(t[pos - 1])) return true;
  if (pos >= 2 && t[pos - 2] == '\\') return true;
  return pos >= 6 && t[pos - 6] == '\\' && t[pos - 5] == 'u';
}

// Replaces each occurrence of `needle` that stands as a token.
void replace_tokens(std::string& s, std::string_view needle) {
  std::size_t pos = s.find(needle);
  if (pos == npos) return;
  const bool check_left = is_alnum(needle.front());
  const bool check_right = is_alnum(needle.back());
  std::string out;
  out.reserve(s.size());
  std::size_t copied = 0;
  while (pos != npos) {
    const std::size_t end = pos + needle.size();
    const bool left_ok = !check_left || pos == 0 || !is_alnum(s[pos - 1]) || after_escape(s, pos);
    const bool right_ok = !check_right || end == s.size() || !is_alnum(s[end]);
    if (left_ok && right_ok) {
      out.append(s, copied, pos - copied);
      out += scrub_mask;
      copied = end;
      pos = s.find(needle, end);
    } else {
      pos = s.find(needle, pos + 1);
    }
  }
  out.append(s, copied);
  s = std::move(out);
}

std::string percent_encoded(std::string_view s, const char* hex, std::string_view space) {
  std::string out;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (is_alnum(ch) || ch == '-' || ch == '_' || ch == '.') {
      out += ch;
    } else if (ch == ' ') {
      out += space;
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 0xF];
    }
  }
  return out;
}

std::string json_escaped(std::string_view s, bool slash) {
  std::string out;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\' || (slash && ch == '/')) {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
      out += buf;
    } else {
      out += ch;
    }
  }
  return out;
}

std::string html_escaped(std::string_view s) {
  std::string out;
  for (const char ch : s) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += ch;
    }
  }
  return out;
}

}  // namespace

std::string scrub_fragments(std::string_view t) {
  std::string out;
  out.reserve(t.size());
  std::size_t i = 0;
  while (i < t.size()) {
    std::size_t next = npos;
    switch (t[i]) {
      case '=':
        next = mask_assignment(t, i, out);
        break;
      case ':':
        next = t.substr(i, 3) == "://" ? mask_userinfo(t, i, out) : mask_json_member(t, i, out);
        if (next == npos) next = mask_header(t, i, out);
        break;
      case 'b':
      case 'B':
        next = mask_bearer(t, i, out);
        break;
      default:
        break;
    }
    if (next == npos) {
      out += t[i++];
    } else {
      i = next;
    }
  }
  return out;
}

void secret_scrubber::set(const std::vector<std::string>& secrets) {
  needle_list forms;
  for (const auto& s : secrets) {
    if (s.size() < min_secret_length) continue;
    for (const char* hex : {"0123456789ABCDEF", "0123456789abcdef"})
      for (std::string_view space : {"+", "%20"}) forms.push_back(percent_encoded(s, hex, space));
    forms.push_back(s);
    forms.push_back(json_escaped(s, false));
    forms.push_back(json_escaped(s, true));
    forms.push_back(html_escaped(s));
  }
  // Longest first, so a form that contains a shorter one is masked whole.
  std::sort(forms.begin(), forms.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() > b.size() : a < b;
  });
  forms.erase(std::unique(forms.begin(), forms.end()), forms.end());
  auto next = std::make_shared<const needle_list>(std::move(forms));
  std::lock_guard lock(mutex_);
  needles_ = std::move(next);
}

std::string secret_scrubber::scrub(std::string_view text) const {
  std::shared_ptr<const needle_list> needles;
  {
    std::lock_guard lock(mutex_);
    needles = needles_;
  }
  std::string out(text);
  for (const auto& n : *needles) replace_tokens(out, n);
  return scrub_fragments(out);
}

}  // namespace smm
