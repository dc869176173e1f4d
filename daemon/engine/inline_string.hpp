#pragma once
// A short string in a fixed footprint of `Size` bytes: up to Size - 1 bytes are kept inline
// (no allocation), longer ones on the heap. For the ids the order book holds by the million
// (a panel order id "v2:shop:123456", a provider order id "1234567890"): std::string takes
// 32 bytes and allocates beyond 15. The last byte is the inline length, or heap_tag.
// Thread safety: none (a value type).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

namespace smm::daemon {

/// A string of at most Size - 1 bytes inline, longer on the heap; always Size bytes itself.
template <std::size_t Size>
class inline_string {
  static_assert(Size >= 16 && Size <= 128, "the tag byte holds the inline length");

 public:
  inline_string() noexcept { bytes_[Size - 1] = 0; }
  explicit inline_string(std::string_view s) : inline_string() { assign(s); }
  inline_string(const inline_string& o) : inline_string() { assign(o.view()); }
  inline_string(inline_string&& o) noexcept {
    std::memcpy(bytes_, o.bytes_, Size);
    o.bytes_[Size - 1] = 0;
  }
  inline_string& operator=(const inline_string& o) {
    if (this != &o) assign(o.view());
    return *this;
  }
  inline_string& operator=(inline_string&& o) noexcept {
    if (this != &o) {
      release();
      std::memcpy(bytes_, o.bytes_, Size);
      o.bytes_[Size - 1] = 0;
    }
    return *this;
  }
  inline_string& operator=(std::string_view s) {
    assign(s);
    return *this;
  }
  ~inline_string() { release(); }

  /// Replaces the text.
  void assign(std::string_view s) {
    if (s.size() < Size) {
      // Copied through a local buffer: `s` may view this string's own bytes.
      char tmp[Size];
      if (!s.empty()) std::memcpy(tmp, s.data(), s.size());  // an empty view may hold no pointer
      release();
      if (!s.empty()) std::memcpy(bytes_, tmp, s.size());
      bytes_[Size - 1] = static_cast<char>(s.size());
      return;
    }
    char* p = new char[s.size()];
    std::memcpy(p, s.data(), s.size());
    release();
    const auto n = static_cast<std::uint32_t>(s.size());
    std::memcpy(bytes_, &p, sizeof p);
    std::memcpy(bytes_ + sizeof p, &n, sizeof n);
    bytes_[Size - 1] = static_cast<char>(heap_tag);
  }

  std::string_view view() const noexcept {
    if (!on_heap()) return {bytes_, static_cast<std::size_t>(static_cast<unsigned char>(bytes_[Size - 1]))};
    char* p = nullptr;
    std::uint32_t n = 0;
    std::memcpy(&p, bytes_, sizeof p);
    std::memcpy(&n, bytes_ + sizeof p, sizeof n);
    return {p, n};
  }
  operator std::string_view() const noexcept { return view(); }  // NOLINT: reads like a string
  std::string str() const { return std::string(view()); }
  bool empty() const noexcept { return bytes_[Size - 1] == 0; }
  std::size_t size() const noexcept { return view().size(); }
  /// True when the text lives inline (no allocation).
  bool is_inline() const noexcept { return !on_heap(); }

  friend bool operator==(const inline_string& a, std::string_view b) noexcept { return a.view() == b; }

 private:
  static constexpr unsigned char heap_tag = 0xff;
  bool on_heap() const noexcept { return static_cast<unsigned char>(bytes_[Size - 1]) == heap_tag; }
  void release() noexcept {
    if (!on_heap()) return;
    char* p = nullptr;
    std::memcpy(&p, bytes_, sizeof p);
    delete[] p;
    bytes_[Size - 1] = 0;
  }

  alignas(8) char bytes_[Size];
};

}  // namespace smm::daemon
