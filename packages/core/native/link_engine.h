// The link engine: runs a source port into a sink port from libuv callbacks
// (dequeue → submit → give back), with no call into JavaScript per frame.
#pragma once
#include <dmabuf/port.h>
#include <dmabuf/watch.h>
#include <napi.h>
#include <uv.h>

#include <cstdint>
#include <vector>

/** Numbers JS reads with linkStats(); the order of LINK_STATS in TypeScript (link/native-link.ts). */
enum LinkStat {
  kFrames,       // frames the source handed out
  kShown,        // frames the sink completed
  kDropped,      // frames handed out but given back unshown (a newer one replaced it)
  kSkipped,      // sequence numbers the source skipped
  kErrors,       // frames the device marked bad
  kFirstSeq,     // sequence of the first frame (-1 before one)
  kLastSeq,      // sequence of the last frame
  kFps,          // shown frames per second, first to last completion
  kLatencyMedianUs,
  kLatencyP99Us,
  kInFlight,     // submitted, not yet completed
  kTapped,       // frames handed to the tap
  kState,        // 0 idle, 1 running, 2 stopping, 3 ended
  kSeconds,      // since start
  kRepeated,     // frames whose sequence number was not after the last one's (a driver's repeat)
  kStatCount
};

class LinkEngine {
 public:
  /** What failed, for 'end' (LINK_OPS in TypeScript). */
  enum Op { kOpStop, kOpStart, kOpDequeue, kOpRequeue, kOpSubmit, kOpCollect, kOpPoll };

  LinkEngine(Napi::Env env, dmabuf_port* source, dmabuf_port* sink, std::vector<int32_t> map,
             Napi::Function onEvent, Napi::Value sourceRef, Napi::Value sinkRef);
  ~LinkEngine();

  int Start();
  /** Begin stopping (errno 0: asked to); onEvent('end') follows once every buffer is back. */
  void Stop(int err, int side, int op);
  void Stats(double* out);
  int TapRelease(uint32_t slot);
  void SetTap(uint32_t every) { tap_every_ = every; }
  void SetBatch(uint32_t every) { batch_every_ = every; }
  /** Stop by itself once this many frames were shown (0: run until stopped). */
  void SetLimit(double frames) { limit_ = frames; }
  /** JS let go of the handle: free once the libuv handles are closed. */
  void Dispose();

 private:
  struct LimitCheck;
  enum SlotState : uint8_t { kAtSource, kPending, kAtSink, kTapHeld };
  enum State { kIdle, kRunning, kStopping, kEnded };

  static void OnSource(dmabuf::Watch* w, int result, void* self);
  static void OnSink(dmabuf::Watch* w, int result, void* self);
  static void OnTimeout(uv_timer_t* t);
  static void OnTimerClosed(uv_handle_t* h);
  static void OnWatchClosed(void* self);
  static void Cleanup(void* arg);

  /** A watch of a dup of the port's fd, started; nullptr when the port has no fd or it cannot be watched. */
  dmabuf::Watch* WatchPort(uv_loop_t* loop, dmabuf_port* p, dmabuf::Watch::Callback cb);
  void HandleClosed();
  void SourceReady(int result);
  void SinkReady(int result);
  void Took(const dmabuf_frame& f);
  void TrySubmit();
  void Completed(const dmabuf_done* d, int n);
  void GiveBack(uint32_t slot);
  void Finish();
  void CloseHandles();
  void Emit(int kind, double a, double b, double c);
  uint64_t Now() const;

  Napi::Env env_;
  dmabuf_port* source_;
  dmabuf_port* sink_;
  std::vector<int32_t> map_;      // source slot → sink slot
  std::vector<int32_t> unmap_;    // sink slot → source slot (empty: identity)
  std::vector<SlotState> slots_;
  std::vector<uint64_t> captured_;  // per source slot: capture time of the frame in it
  std::vector<uint32_t> sequence_;  // per source slot: sequence number of the frame in it
  std::vector<uint8_t> tap_mark_;   // per source slot: hand to the tap when the sink lets go
  Napi::FunctionReference on_event_;
  Napi::Reference<Napi::Value> source_ref_;
  Napi::Reference<Napi::Value> sink_ref_;
  napi_async_context context_ = nullptr;
  dmabuf::Watch* source_watch_ = nullptr;
  dmabuf::Watch* sink_watch_ = nullptr;
  // a port whose fd said POLLERR while its device is fine (health 0: an M2M device with nothing
  // queued on either side) is not watched until the engine next gives it a buffer
  bool source_quiet_ = false, sink_quiet_ = false;
  uv_timer_t* timer_ = nullptr;
  int open_handles_ = 0;
  bool disposed_ = false;
  bool end_pending_ = false;
  bool cleanup_hook_ = false;
  bool env_gone_ = false;
  State state_ = kIdle;
  int pending_ = -1;  // source slot waiting for the sink
  uint32_t in_flight_ = 0;
  // stats
  double frames_ = 0, shown_ = 0, dropped_ = 0, skipped_ = 0, errors_ = 0, tapped_ = 0, repeated_ = 0;
  int64_t first_seq_ = -1, last_seq_ = -1;
  uint64_t started_ns_ = 0, first_shown_ns_ = 0, last_shown_ns_ = 0;
  std::vector<uint32_t> latency_us_;  // ring
  uint32_t latency_at_ = 0, latency_n_ = 0;
  uint32_t tap_every_ = 0, tap_held_ = 0, batch_every_ = 0;
  double limit_ = 0;
  // why it ended
  int end_errno_ = 0, end_side_ = 0;
  int end_op_ = 0;
};
