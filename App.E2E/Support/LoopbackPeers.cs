using System.Globalization;

namespace Undb.E2E.Support;

/// <summary>
/// Which local process holds the other end of a loopback TCP connection (Linux, from /proc): lets a receiver started by
/// a test say which app instance sent a request, since the requests themselves look the same from every instance.
/// </summary>
public static class LoopbackPeers
{
    /// <summary>
    /// The pid among <paramref name="candidates"/> whose socket is 127.0.0.1:<paramref name="peerPort"/> connected to
    /// port <paramref name="serverPort"/>, or null when none is (or /proc cannot say).
    /// </summary>
    public static int? FindProcess(int peerPort, int serverPort, IEnumerable<int> candidates)
    {
        var inode = SocketInode(peerPort, serverPort);
        if (inode is null)
        {
            return null;
        }
        var target = $"socket:[{inode}]";
        foreach (var pid in candidates)
        {
            try
            {
                foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
                {
                    try
                    {
                        if (new FileInfo(fd).LinkTarget == target)
                        {
                            return pid;
                        }
                    }
                    catch (IOException)
                    {
                        // closed while listing
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // the process is gone (killed)
            }
        }
        return null;
    }

    /// <summary>The inode of the IPv4 socket whose local port is <paramref name="localPort"/> and remote port <paramref name="remotePort"/>.</summary>
    private static string? SocketInode(int localPort, int remotePort)
    {
        if (!File.Exists("/proc/net/tcp"))
        {
            return null;
        }
        foreach (var line in File.ReadLines("/proc/net/tcp").Skip(1))
        {
            // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode …
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 10)
            {
                continue;
            }
            if (Port(parts[1]) == localPort && Port(parts[2]) == remotePort)
            {
                return parts[9];
            }
        }
        return null;
    }

    private static int Port(string address) =>
        int.Parse(address[(address.IndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
}
