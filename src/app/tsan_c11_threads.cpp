// Built into rig only with -DRIG_TSAN=ON (ThreadSanitizer).
//
// librdkafka uses C11 threads (thrd_*, mtx_*, cnd_*), which glibc implements on its internal
// pthread calls: clang 14's TSan runtime intercepts the pthread calls but not the C11 ones.
// So it never learns of librdkafka's threads and crashes (SIGSEGV in its allocator) at their
// first malloc, and it cannot see librdkafka's locks, so an object a shard hands to
// librdkafka (a produce's counter) and librdkafka's thread uses (the delivery report) looks
// unsynchronised. These definitions in the executable take precedence over glibc's for every
// library, and route the C11 calls through the pthread calls TSan intercepts, as glibc does
// (mtx_t and cnd_t are glibc's pthread_mutex_t and pthread_cond_t; a thread's int result
// travels as the pointer value pthread_join returns, which glibc's thrd_join reads the same
// way).
#include <pthread.h>
#include <threads.h>
#include <time.h>

#include <cerrno>
#include <cstdint>
#include <new>

namespace {

struct c11_start {
    thrd_start_t func;
    void* arg;
};

void* run_c11_thread(void* p) {
    const c11_start start = *static_cast<c11_start*>(p);
    delete static_cast<c11_start*>(p);
    return reinterpret_cast<void*>(static_cast<intptr_t>(start.func(start.arg)));
}

}  // namespace

extern "C" int thrd_create(thrd_t* thr, thrd_start_t func, void* arg) {
    auto* start = new (std::nothrow) c11_start{func, arg};
    if (start == nullptr) {
        return thrd_nomem;
    }
    const int err = pthread_create(thr, nullptr, run_c11_thread, start);
    if (err != 0) {
        delete start;
        return err == EAGAIN ? thrd_nomem : thrd_error;
    }
    return thrd_success;
}

extern "C" int thrd_join(thrd_t thr, int* res) {
    void* result = nullptr;
    if (pthread_join(thr, &result) != 0) {
        return thrd_error;
    }
    if (res != nullptr) {
        *res = static_cast<int>(reinterpret_cast<intptr_t>(result));
    }
    return thrd_success;
}

extern "C" int thrd_detach(thrd_t thr) {
    return pthread_detach(thr) == 0 ? thrd_success : thrd_error;
}

namespace {

int c11_result(int err) {
    switch (err) {
        case 0:
            return thrd_success;
        case EBUSY:
            return thrd_busy;
        case ETIMEDOUT:
            return thrd_timedout;
        case ENOMEM:
            return thrd_nomem;
        default:
            return thrd_error;
    }
}

pthread_mutex_t* native(mtx_t* m) {
    return reinterpret_cast<pthread_mutex_t*>(m);
}

pthread_cond_t* native(cnd_t* c) {
    return reinterpret_cast<pthread_cond_t*>(c);
}

}  // namespace

extern "C" int mtx_init(mtx_t* m, int type) {
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    if ((type & mtx_recursive) != 0) {
        pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    }
    const int err = pthread_mutex_init(native(m), &attr);
    pthread_mutexattr_destroy(&attr);
    return c11_result(err);
}

extern "C" int mtx_lock(mtx_t* m) {
    return c11_result(pthread_mutex_lock(native(m)));
}

extern "C" int mtx_trylock(mtx_t* m) {
    return c11_result(pthread_mutex_trylock(native(m)));
}

extern "C" int mtx_timedlock(mtx_t* __restrict m, const struct timespec* __restrict until) {
    return c11_result(pthread_mutex_timedlock(native(m), until));
}

extern "C" int mtx_unlock(mtx_t* m) {
    return c11_result(pthread_mutex_unlock(native(m)));
}

extern "C" void mtx_destroy(mtx_t* m) {
    pthread_mutex_destroy(native(m));
}

extern "C" int cnd_init(cnd_t* c) {
    return c11_result(pthread_cond_init(native(c), nullptr));
}

extern "C" int cnd_signal(cnd_t* c) {
    return c11_result(pthread_cond_signal(native(c)));
}

extern "C" int cnd_broadcast(cnd_t* c) {
    return c11_result(pthread_cond_broadcast(native(c)));
}

extern "C" int cnd_wait(cnd_t* c, mtx_t* m) {
    return c11_result(pthread_cond_wait(native(c), native(m)));
}

extern "C" int cnd_timedwait(cnd_t* __restrict c, mtx_t* __restrict m,
                             const struct timespec* __restrict until) {
    return c11_result(pthread_cond_timedwait(native(c), native(m), until));
}

extern "C" void cnd_destroy(cnd_t* c) {
    pthread_cond_destroy(native(c));
}
