// The link engine: runs a source port into a sink port (dequeue → submit →
// give back) on a native thread of its own, waiting with epoll on the ports'
// fds, with no call into JavaScript and no visit to Node's event loop per
// frame. JavaScript hears of it only through batched events (stats every N
// frames, the tap, the end), posted to the loop with one uv_async_t.
#pragma once
#include <dmabuf/port.h>
#include <napi.h>
#include <pthread.h>
#include <uv.h>

#include <cstdint>
#include <mutex>
#include <vector>

/** Numbers JS reads with linkStats(); the order of LINK_STATS in TypeScript (link/native-link.ts). */
enum LinkStat {
  kFrames,       // frames the source handed out
  kShown,        // frames the sink completed
  kDropped,      // frames handed out but given back unshown (replaced by a newer one, or left when the link stopped)
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
  kAbandoned,    // of kDropped: submitted, and the link ended before the sink completed them
  kStatCount
};

class LinkEngine {
 public:
  /** What failed, for 'end' (LINK_OPS in TypeScript). */
  enum Op { kOpStop, kOpStart, kOpDequeue, kOpRequeue, kOpSubmit, kOpCollect, kOpPoll };

  LinkEngine(Napi::Env env, dmabuf_port* source, dmabuf_port* sink, std::vector<int32_t> map,
             Napi::Function onEvent, Napi::Value sourceRef, Napi::Value sinkRef);
  ~LinkEngine();

  // Called from JavaScript (the loop thread); each takes the engine's lock.
  /** Start the ports and the engine's thread; 0 or -errno (nothing runs then). */
  int Start();
  /** Begin stopping (asked to); onEvent('end') follows once every buffer is back. */
  void RequestStop();
  /**
   * A port's owner is closing it: stop at once, give the thread at most `waitMs` to collect what
   * the sink has in flight (the owner's fds are still open while this runs), and join it. When it
   * returns the engine makes no more syscalls on any port's fd, its own fds are closed, and
   * out[0..2] say why the link ended (errno <= 0, side, op); onEvent('end') still follows.
   */
  void StopNow(uint32_t waitMs, int32_t out[3]);
  void Stats(double* out);
  int TapRelease(uint32_t slot);
  void SetTap(uint32_t every) { tap_every_ = every; }
  void SetBatch(uint32_t every) { batch_every_ = every; }
  /** Stop by itself once this many frames were shown (0: run until stopped). */
  void SetLimit(double frames) { limit_ = frames; }
  /** JS let go of the handle: free once the thread is joined and the async handle closed. */
  void Dispose();

 private:
  struct LimitCheck;
  struct Event {
    int kind;
    double a, b, c;
  };
  enum SlotState : uint8_t { kAtSource, kPending, kAtSink, kTapHeld };
  enum State { kIdle, kRunning, kStopping, kEnded };
  /** epoll tags. */
  enum Tag : uint32_t { kTagWake, kTagSource, kTagSink };
  static constexpr uint32_t kLatencyRing = 4096;

  // the thread (link_thread.cc)
  static void* ThreadMain(void* self);
  void Run();
  int OpenFds();
  void CloseFds();
  int WaitMs() const;
  void CheckProgress();
  void Wake();
  void Join();
  void Unwatch(Tag tag);
  int Rewatch(Tag tag);
  static void OnAsync(uv_async_t* h);
  static void OnAsyncClosed(uv_handle_t* h);
  static void Cleanup(void* arg);
  void Deliver();
  void CloseAsync();
  void Quiet();

  // per frame, under mu_ (link_engine.cc)
  void Ready(Tag tag, int bits);
  void SourceReady(int bits);
  void SinkReady(int bits);
  void Took(const dmabuf_frame& f);
  void TrySubmit();
  void Completed(const dmabuf_done* d, int n);
  void GiveBack(uint32_t slot);
  bool CollectLater() const;
  void WatchSink();
  void Stop(int err, int side, int op);
  void Finish();
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

  // Everything below is guarded by mu_ once the thread runs (the loop thread
  // takes it for stop, stats and tap release; the engine's thread while it
  // handles a wakeup, never while it waits).
  std::mutex mu_;
  pthread_t thread_{};
  bool thread_started_ = false;
  int epoll_ = -1;
  int wake_ = -1;      // eventfd: the loop thread wakes the engine's
  int source_fd_ = -1;  // the engine's dups of the ports' fds (the ports' own may be closed under it)
  int sink_fd_ = -1;
  uv_async_t* async_ = nullptr;  // the engine's thread wakes the loop thread (ref'd while running)
  std::vector<Event> events_;    // posted, not yet delivered
  // a port whose fd said POLLERR while its device is fine (health 0: an M2M device with nothing
  // queued on either side) is out of the epoll set until the engine next gives it a buffer
  bool source_quiet_ = false, sink_quiet_ = false;
  // a sink that lets its completions wait (DMABUF_PORT_COLLECT_LATER) is out of the epoll set
  // while the source holds enough buffers: its completions are collected at the source's next frame
  bool sink_later_ = false;
  bool disposed_ = false;
  bool cleanup_hook_ = false;
  bool env_gone_ = false;
  State state_ = kIdle;
  uint64_t stop_deadline_ns_ = 0;
  int pending_ = -1;  // source slot waiting for the sink
  uint32_t in_flight_ = 0;
  uint64_t progress_ns_ = 0;  // the sink's last completion, or the submit that gave it work when it had none
  // stats
  double frames_ = 0, shown_ = 0, dropped_ = 0, skipped_ = 0, errors_ = 0, tapped_ = 0, repeated_ = 0, abandoned_ = 0;
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
