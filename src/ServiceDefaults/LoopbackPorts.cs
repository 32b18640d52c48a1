using System.Net;
using System.Net.Sockets;

namespace Doorbuster.ServiceDefaults;

/// <summary>Ports on 127.0.0.1 for processes that only talk to themselves (the embedded store, benchmark silos).</summary>
public static class LoopbackPorts
{
    /// <summary>A port that is free now (the system picks it); another process may still take it before it is bound.</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
