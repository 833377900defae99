// unique_ptr deleters that call a C library's free function.
#pragma once

namespace dcvkit {

template <auto Fn>
struct FreeWith {
  template <class T>
  void operator()(T* p) const { Fn(p); }
};

}  // namespace dcvkit
