#pragma once
// Aligned plain-text tables for a terminal: a header row, columns padded to their widest
// cell, numbers right-aligned. Widths count UTF-8 code points, not bytes.
#include <cstddef>
#include <string>
#include <vector>

namespace smm::dispatchctl {

class text_table {
 public:
  enum class align { left, right };

  /// One column per header; `aligns` may be shorter (the rest are left-aligned). All headers
  /// empty: no header line (a key/value block).
  explicit text_table(std::vector<std::string> headers, std::vector<align> aligns = {});

  /// A row; missing cells are empty, extra cells are an error (std::invalid_argument).
  void add_row(std::vector<std::string> cells);
  std::size_t rows() const { return rows_.size(); }

  /// The table, every line ending in '\n'; two spaces between columns, no trailing blanks.
  std::string render() const;

 private:
  std::vector<std::string> headers_;
  std::vector<align> aligns_;
  std::vector<std::vector<std::string>> rows_;
};

/// Code points in `s` (its display width for the text we print).
std::size_t display_width(const std::string& s);

}  // namespace smm::dispatchctl
