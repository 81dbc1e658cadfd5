// What one message on the channel's sockets may hold, for sending and receiving alike.
#pragma once
#include <stddef.h>

// Bytes of text per message; a longer one is refused (send) or cut (MSG_TRUNC, receive).
constexpr size_t kMaxMessage = 65536;
