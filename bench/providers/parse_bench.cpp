// Parsing a 100-order multi-status reply (api-v2.md §4.3 shape, mixed string/number fields,
// a few per-id errors) against two baselines in the same binary:
//  - memcpy of the body (the floor: touching every byte once);
//  - simdjson on demand walking the same document with the minimum work (keys + raw tokens,
//    no copies, no tolerance rules).
// The ratio parse / walk is the cost of our tolerance and of owning the results.
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <cstring>
#include <string>
#include <vector>

#include "providers/response_parser.hpp"

namespace {

std::string make_reply(int orders) {
  std::string s = "{";
  for (int i = 0; i < orders; ++i) {
    if (i != 0) s += ",";
    const std::string id = std::to_string(100000 + i);
    if (i % 25 == 7) {
      s += "\"" + id + "\":{\"error\":\"Incorrect order ID\"}";
    } else if (i % 2 == 0) {
      s += "\"" + id +
           "\":{\"charge\":\"0.27819\",\"start_count\":\"3572\",\"status\":\"Partial\",\"remains\":\"157\","
           "\"currency\":\"USD\"}";
    } else {
      s += "\"" + id +
           "\":{\"charge\":1.44219,\"start_count\":234,\"status\":\"In progress\",\"remains\":10,"
           "\"currency\":\"USD\"}";
    }
  }
  s += "}";
  return s;
}

const std::string& reply() {
  static const std::string r = make_reply(100);
  return r;
}

void BM_parse_status_multi_copy(benchmark::State& state) {
  const std::string& body = reply();  // no spare capacity: copied into a padded buffer
  std::size_t entries = 0;
  for (auto _ : state) {
    auto r = smm::providers::parse_status_multi(std::string_view(body));
    entries = r.value.size();
    benchmark::DoNotOptimize(r);
  }
  if (entries != 100) state.SkipWithError("wrong entry count");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 100);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_parse_status_multi_copy);

void BM_parse_status_multi_padded(benchmark::State& state) {
  std::string body = reply();
  body.reserve(body.size() + simdjson::SIMDJSON_PADDING);  // parsed in place
  for (auto _ : state) {
    auto r = smm::providers::parse_status_multi(body);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 100);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_parse_status_multi_padded);

void BM_baseline_simdjson_walk(benchmark::State& state) {
  const simdjson::padded_string body(reply());
  simdjson::ondemand::parser parser;
  for (auto _ : state) {
    std::size_t bytes = 0;
    simdjson::ondemand::document doc;
    simdjson::ondemand::object obj;
    if (parser.iterate(body).get(doc) || doc.get_object().get(obj)) state.SkipWithError("parse failed");
    for (auto field : obj) {
      std::string_view key;
      simdjson::ondemand::object inner;
      if (field.unescaped_key().get(key) || field.value().get_object().get(inner)) break;
      bytes += key.size();
      for (auto f : inner) {
        std::string_view k;
        simdjson::ondemand::value v;
        if (f.unescaped_key().get(k) || f.value().get(v)) break;
        bytes += v.raw_json_token().size();
      }
    }
    benchmark::DoNotOptimize(bytes);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 100);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * reply().size()));
}
BENCHMARK(BM_baseline_simdjson_walk);

void BM_baseline_memcpy(benchmark::State& state) {
  const std::string& body = reply();
  std::vector<char> out(body.size());
  for (auto _ : state) {
    std::memcpy(out.data(), body.data(), body.size());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 100);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_baseline_memcpy);

}  // namespace
