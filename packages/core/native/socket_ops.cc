// Placeholder: Unix sockets with SCM_RIGHTS (see native/socket_ops.cc owner).
#include "ops.h"
void InitSocketOps(Napi::Env, Napi::Object) {}
