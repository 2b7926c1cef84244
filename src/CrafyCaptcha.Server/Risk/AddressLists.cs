using System.Net;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace CrafyCaptcha.Server.Risk;

/// <summary>
/// The datacenter, Tor and deny lists: files of networks in CIDR notation (a bare address is a /32 or /128), one per
/// line, <c>#</c> starts a comment. Each is loaded at start-up and again whenever the file changes; a line that is not
/// a network is skipped and counted in a warning, and a missing file is an empty list with a warning.
/// </summary>
internal sealed partial class AddressLists : IDisposable
{
    private readonly List<WatchedList> _lists = [];
    private readonly ILogger<AddressLists> _logger;

    public AddressLists(IOptions<ChallengeServerOptions> options, ILogger<AddressLists> logger)
    {
        _logger = logger;
        ChallengeRiskOptions risk = options.Value.Risk;
        Datacenter = Watch(risk.DatacenterListPath, "datacenter");
        Tor = Watch(risk.TorListPath, "tor");
        Deny = Watch(risk.DenyListPath, "deny");
    }

    public WatchedList? Datacenter { get; }

    public WatchedList? Tor { get; }

    public WatchedList? Deny { get; }

    private WatchedList? Watch(string? path, string name)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return null;
        }

        var list = new WatchedList(Path.GetFullPath(path), name, this);
        _lists.Add(list);
        return list;
    }

    public void Dispose()
    {
        foreach (WatchedList list in _lists)
        {
            list.Dispose();
        }
    }

    [LoggerMessage(140, LogLevel.Information, "CrafyCAPTCHA {List} list loaded: {Count} networks ({Skipped} lines skipped).", EventName = "AddressListLoaded")]
    private static partial void LogLoaded(ILogger logger, string list, int count, int skipped);

    [LoggerMessage(141, LogLevel.Warning, "CrafyCAPTCHA {List} list {Path} could not be read ({Error}); it is empty until the file can be read.", EventName = "AddressListUnreadable")]
    private static partial void LogUnreadable(ILogger logger, string list, string path, string error);

    /// <summary>One list file, kept in memory and reloaded when the file changes.</summary>
    internal sealed class WatchedList : IDisposable
    {
        private readonly string _path;
        private readonly string _name;
        private readonly AddressLists _owner;
        private readonly PhysicalFileProvider? _files;
        private readonly IDisposable? _subscription;
        private volatile IPNetwork[] _networks = [];

        public WatchedList(string path, string name, AddressLists owner)
        {
            _path = path;
            _name = name;
            _owner = owner;
            string? directory = Path.GetDirectoryName(path);
            if (directory is not null && Directory.Exists(directory))
            {
                _files = new PhysicalFileProvider(directory) { UsePollingFileWatcher = true, UseActivePolling = true };
                string file = Path.GetFileName(path);
                _subscription = ChangeToken.OnChange(() => _files.Watch(file), Load);
            }

            Load();
        }

        public int Count => _networks.Length;

        public bool Contains(IPAddress address)
        {
            foreach (IPNetwork network in _networks)
            {
                if (network.Contains(address))
                {
                    return true;
                }
            }

            return false;
        }

        internal void Load()
        {
            try
            {
                var networks = new List<IPNetwork>();
                int skipped = 0;
                foreach (string raw in File.ReadLines(_path))
                {
                    int hash = raw.IndexOf('#', StringComparison.Ordinal);
                    ReadOnlySpan<char> line = (hash >= 0 ? raw.AsSpan(0, hash) : raw.AsSpan()).Trim();
                    if (line.IsEmpty)
                    {
                        continue;
                    }

                    if (IPNetwork.TryParse(line, out IPNetwork network))
                    {
                        networks.Add(network);
                    }
                    else if (IPAddress.TryParse(line, out IPAddress? single))
                    {
                        networks.Add(new IPNetwork(single, single.GetAddressBytes().Length * 8));
                    }
                    else
                    {
                        skipped++;
                    }
                }

                _networks = [.. networks];
                LogLoaded(_owner._logger, _name, networks.Count, skipped);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                _networks = [];
                LogUnreadable(_owner._logger, _name, _path, ex.GetType().Name);
            }
        }

        public void Dispose()
        {
            _subscription?.Dispose();
            _files?.Dispose();
        }
    }
}
