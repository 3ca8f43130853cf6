#pragma once

#include <list>

namespace rig::http {

// The HTTP sessions (HTTP/1.1 connections and HTTP/2 connections) of one shard, so that a
// drain can reach them: idle HTTP/1.1 sessions end, busy ones stop keep-alive, HTTP/2
// sessions send GOAWAY.
//
// @par Thread safety
// Owned by one shard; used only from its thread.
class session_tracker {
public:
    class member {
    public:
        // The node is draining: stop taking new requests, end when the current ones are done.
        virtual void drain() = 0;

    protected:
        ~member() = default;
    };
    using handle = std::list<member*>::iterator;

    handle add(member* m) { return members_.insert(members_.end(), m); }
    void remove(handle h) { members_.erase(h); }

    // Membership for the life of a scope or an object: added now, removed when it goes.
    class scoped {
    public:
        scoped(session_tracker& t, member* m) : tracker_(t), handle_(t.add(m)) {}
        ~scoped() { tracker_.remove(handle_); }
        scoped(const scoped&) = delete;
        scoped& operator=(const scoped&) = delete;

    private:
        session_tracker& tracker_;
        handle handle_;
    };

    bool draining() const { return draining_; }
    void drain() {
        draining_ = true;
        // drain() may end a member, which removes it: step past it first.
        for (auto it = members_.begin(); it != members_.end();) {
            auto* m = *it++;
            m->drain();
        }
    }

private:
    std::list<member*> members_;
    bool draining_ = false;
};

}  // namespace rig::http
