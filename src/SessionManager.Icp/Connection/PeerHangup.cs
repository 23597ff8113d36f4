using System.Net.Sockets;
using SessionManager.Icp.Hosting.Native;

namespace SessionManager.Icp.Connection;

/// <summary>
/// Whether the peer of a stream socket has closed its end, asked without reading. Socket.Poll
/// can only say "readable", which is also true while bytes the peer sent before closing are
/// still unread (e.g. the reader has stopped at Icp:MaxConcurrentRequests); counting those bytes
/// (Available) then takes a closed peer for a live one. poll(2) with POLLRDHUP reports the close
/// itself (the kernel sets it on a Unix socket whose peer is gone, unread data or not), and
/// POLLHUP/POLLERR a connection that is over for other reasons. The same holds for TCP (a FIN
/// received sets it), so the fdsapi server asks it of its clients' sockets too.
/// </summary>
public static class PeerHangup
{
    public static unsafe bool HasHungUp(Socket socket)
    {
        var handle = socket.SafeHandle;
        bool added = false;
        try
        {
            // Held for the call, so a concurrent Abort cannot close (and the kernel reuse) the fd.
            handle.DangerousAddRef(ref added);
            var pollFd = new Libc.PollFd { Fd = (int)handle.DangerousGetHandle(), Events = Libc.POLLRDHUP };
            int ready = Libc.Poll(&pollFd, 1, 0);
            if (ready < 0)
            {
                // EINTR and the like: say nothing new, the reader and the heartbeat still watch it.
                return false;
            }

            return ready > 0 && (pollFd.Revents & (Libc.POLLRDHUP | Libc.POLLHUP | Libc.POLLERR | Libc.POLLNVAL)) != 0;
        }
        catch (ObjectDisposedException)
        {
            return true;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }
}
