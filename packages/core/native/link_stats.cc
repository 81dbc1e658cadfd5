// The link engine's live numbers (LinkStat order; link/native-link.ts reads them).
#include <algorithm>
#include <time.h>

#include "link_engine.h"

void LinkEngine::Stats(double* out) {
  std::lock_guard<std::mutex> lock(mu_);  // the engine's thread writes them
  out[kFrames] = frames_;
  out[kShown] = shown_;
  out[kDropped] = dropped_;
  out[kSkipped] = skipped_;
  out[kErrors] = errors_;
  out[kFirstSeq] = static_cast<double>(first_seq_);
  out[kLastSeq] = static_cast<double>(last_seq_);
  double span = (last_shown_ns_ - first_shown_ns_) / 1e9;
  out[kFps] = shown_ > 1 && span > 0 ? (shown_ - 1) / span : 0;
  out[kLatencyMedianUs] = -1;
  out[kLatencyP99Us] = -1;
  if (latency_n_ > 0) {
    std::vector<uint32_t> v(latency_us_.begin(), latency_us_.begin() + latency_n_);
    size_t mid = v.size() / 2;
    std::nth_element(v.begin(), v.begin() + mid, v.end());
    out[kLatencyMedianUs] = v[mid];
    size_t p99 = std::min(v.size() - 1, static_cast<size_t>(v.size() * 0.99));
    std::nth_element(v.begin(), v.begin() + p99, v.end());
    out[kLatencyP99Us] = v[p99];
  }
  out[kInFlight] = in_flight_;
  out[kTapped] = tapped_;
  out[kState] = state_;
  out[kRepeated] = repeated_;
  out[kAbandoned] = abandoned_;
  out[kSeconds] = started_ns_ != 0 ? (Now() - started_ns_) / 1e9 : 0;
}
