#pragma once
// Callables without <functional>:
//   FunctionRef<R(Args...)>: a non-owning reference to a callable, for callbacks that
//     run before the call that takes them returns (ReadView::ForEach and the like).
//     Two pointers; copying it copies the reference, never the callable. The
//     callable must outlive every call through it.
//   Callback<R(Args...)>: an owning, shared, copyable callable (Options::log), empty
//     by default. Copies share one callable; calling it from several threads at
//     once is as safe as the callable is.

#include <memory>
#include <type_traits>
#include <utility>

namespace kin {

template <typename Signature>
class FunctionRef;

template <typename R, typename... Args>
class FunctionRef<R(Args...)> {
 public:
  template <typename F>
    requires(!std::is_same_v<std::remove_cvref_t<F>, FunctionRef> && std::is_invocable_r_v<R, F&, Args...>)
  FunctionRef(F&& f) noexcept  // NOLINT: implicit, like a function pointer
      : object_(const_cast<void*>(static_cast<const void*>(std::addressof(f)))),
        call_([](void* object, Args... args) -> R {
          return (*static_cast<std::remove_reference_t<F>*>(object))(std::forward<Args>(args)...);
        }) {}

  R operator()(Args... args) const { return call_(object_, std::forward<Args>(args)...); }

 private:
  void* object_;
  R (*call_)(void*, Args...);
};

template <typename Signature>
class Callback;

template <typename R, typename... Args>
class Callback<R(Args...)> {
 public:
  Callback() = default;
  template <typename F>
    requires(!std::is_same_v<std::remove_cvref_t<F>, Callback> && std::is_invocable_r_v<R, F&, Args...>)
  Callback(F&& f)  // NOLINT: implicit, like std::function
      : object_(std::make_shared<std::remove_cvref_t<F>>(std::forward<F>(f))),
        call_([](void* object, Args... args) -> R {
          return (*static_cast<std::remove_cvref_t<F>*>(object))(std::forward<Args>(args)...);
        }) {}

  explicit operator bool() const { return call_ != nullptr; }
  R operator()(Args... args) const { return call_(object_.get(), std::forward<Args>(args)...); }

 private:
  std::shared_ptr<void> object_;
  R (*call_)(void*, Args...) = nullptr;
};

}  // namespace kin
