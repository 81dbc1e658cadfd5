// Placeholder: poll through libuv (see native/poll_ops.cc owner).
#include "ops.h"
void InitPollOps(Napi::Env, Napi::Object) {}
