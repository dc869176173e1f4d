#include "tools/dispatchctl/text_table.hpp"

#include <algorithm>
#include <stdexcept>

namespace smm::dispatchctl {

std::size_t display_width(const std::string& s) {
  std::size_t n = 0;
  for (const unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;  // count lead bytes, skip continuation bytes
  return n;
}

text_table::text_table(std::vector<std::string> headers, std::vector<align> aligns)
    : headers_(std::move(headers)), aligns_(std::move(aligns)) {
  aligns_.resize(headers_.size(), align::left);
}

void text_table::add_row(std::vector<std::string> cells) {
  if (cells.size() > headers_.size()) throw std::invalid_argument("text_table: more cells than columns");
  cells.resize(headers_.size());
  rows_.push_back(std::move(cells));
}

std::string text_table::render() const {
  std::vector<std::size_t> width(headers_.size());
  for (std::size_t c = 0; c < headers_.size(); ++c) width[c] = display_width(headers_[c]);
  for (const auto& row : rows_)
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], display_width(row[c]));

  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    std::string l;
    for (std::size_t c = 0; c < cells.size(); ++c) {
      const std::size_t pad = width[c] - display_width(cells[c]);
      if (c > 0) l += "  ";
      if (aligns_[c] == align::right) l.append(pad, ' ');
      l += cells[c];
      if (aligns_[c] == align::left) l.append(pad, ' ');
    }
    while (!l.empty() && l.back() == ' ') l.pop_back();
    out += l;
    out += '\n';
  };
  if (std::any_of(headers_.begin(), headers_.end(), [](const std::string& h) { return !h.empty(); }))
    line(headers_);
  for (const auto& row : rows_) line(row);
  return out;
}

}  // namespace smm::dispatchctl
