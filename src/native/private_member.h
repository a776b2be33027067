// Reaching a private member of a libwebrtc class we must correct but cannot recompile.
//
// An explicit template instantiation may name a private member; this one hands the pointer
// to that member out through a friend function, declared beforehand in namespace pywebrtc
// (where the instantiation must be too) so that calls find it:
//
//   namespace { struct ChunksTag {}; }
//   constexpr auto MemberOf(ChunksTag);
//   template struct ExposeMember<ChunksTag, &Class::private_member_>;
//   ... object.*MemberOf(ChunksTag{}) ...
#pragma once

namespace pywebrtc {

template <typename Tag, auto Member>
struct ExposeMember {
  friend constexpr auto MemberOf(Tag) { return Member; }
};

}  // namespace pywebrtc
