using System.CommandLine;
using SessionManager.Control.Protocol;

namespace SessionManager.Ctl;

/// <summary>smctl's verbs, in loginctl's style. Each is one request to the daemon.</summary>
internal static class Commands
{
    private static readonly Option<bool> Json = new("--json") { Description = "machine-readable JSON output", Recursive = true };
    private static readonly Option<bool> NoLegend = new("--no-legend") { Description = "no column headers and no count line", Recursive = true };
    private static readonly Option<string> Socket = new("--socket")
    {
        Description = "the daemon's control socket (Control:SocketPath)",
        DefaultValueFactory = _ => ControlProtocol.DefaultSocketPath,
        Recursive = true,
    };

    private static readonly Argument<int> SessionId = new("ID") { Description = "session id (list-sessions shows them)" };

    public static RootCommand Build()
    {
        var root = new RootCommand("Control the running session manager (ogon/FreeRDS). Exit codes: 0 ok, 1 failed, 2 usage, "
            + "3 daemon not running, 4 permission denied, 5 no such session, 6 RDS link down (status).");
        root.Options.Add(Json);
        root.Options.Add(NoLegend);
        root.Options.Add(Socket);

        root.Subcommands.Add(Verb("status", "version, uptime, RDS link, sessions by state, launcher pool, pending calls, draining; exit code 6 if the RDS link is down",
            [], _ => new ControlRequest { Verb = ControlVerb.Status }));
        root.Subcommands.Add(Verb("list-sessions", "the sessions (yours only unless root or in Control:AdminGroup)",
            [], _ => new ControlRequest { Verb = ControlVerb.ListSessions }));
        root.Subcommands.Add(ShowSession());
        root.Subcommands.Add(Verb("list-users", "users with sessions", [], _ => new ControlRequest { Verb = ControlVerb.ListUsers }));
        root.Subcommands.Add(Verb("disconnect", "close a session's RDP connection; the session stays, Disconnected",
            [SessionId], p => new ControlRequest { Verb = ControlVerb.Disconnect, SessionId = p.GetValue(SessionId) }));
        root.Subcommands.Add(Logoff());
        root.Subcommands.Add(SendMessage());
        root.Subcommands.Add(Kill());
        root.Subcommands.Add(Verb("drain", "refuse new logons (maintenance); existing sessions and reconnects go on",
            [], _ => new ControlRequest { Verb = ControlVerb.Drain }));
        root.Subcommands.Add(Verb("undrain", "accept new logons again", [], _ => new ControlRequest { Verb = ControlVerb.Undrain }));
        root.Subcommands.Add(Verb("reload", "reload the configuration (as SIGHUP)", [], _ => new ControlRequest { Verb = ControlVerb.Reload }));
        return root;
    }

    private static Command ShowSession()
    {
        var property = new Option<string[]>("--property", "-p") { Description = "only this property (repeatable)" };
        var value = new Option<bool>("--value") { Description = "print values only, without NAME=" };
        var command = Verb("show-session", "every property of a session, as NAME=VALUE",
            [SessionId], p => new ControlRequest { Verb = ControlVerb.ShowSession, SessionId = p.GetValue(SessionId) },
            (p, r) => Render.Show(r, p.GetValue(property) ?? [], p.GetValue(value), p.GetValue(Json)));
        command.Options.Add(property);
        command.Options.Add(value);
        return command;
    }

    private static Command Logoff()
    {
        var id = new Argument<int?>("ID") { Description = "session id", Arity = ArgumentArity.ZeroOrOne };
        var user = new Option<string>("--user") { Description = "every session of this user" };
        var all = new Option<bool>("--all") { Description = "every session (root and Control:AdminGroup only)" };
        var command = Verb("logoff", "end a session (LogoffUserSession, its backend stopped): ID, --user NAME or --all",
            [id], p => new ControlRequest { Verb = ControlVerb.Logoff, SessionId = p.GetValue(id), User = p.GetValue(user), All = p.GetValue(all) });
        command.Options.Add(user);
        command.Options.Add(all);
        command.Validators.Add(r =>
        {
            int given = (r.GetValue(id) is null ? 0 : 1) + (r.GetValue(user) is null ? 0 : 1) + (r.GetValue(all) ? 1 : 0);
            if (given != 1)
            {
                r.AddError("logoff needs exactly one of: ID, --user NAME, --all");
            }
        });
        return command;
    }

    private static Command SendMessage()
    {
        var title = new Argument<string>("TITLE");
        var text = new Argument<string>("TEXT");
        return Verb("send-message", "show a message box in a session's RDP client",
            [SessionId, title, text], p => new ControlRequest { Verb = ControlVerb.SendMessage, SessionId = p.GetValue(SessionId), Title = p.GetValue(title), Text = p.GetValue(text) });
    }

    private static Command Kill()
    {
        var signal = new Option<string>("--signal", "-s")
        {
            Description = $"one of {string.Join(", ", ControlProtocol.AllowedSignals)}",
            DefaultValueFactory = _ => "TERM",
        };
        signal.AcceptOnlyFromAmong([.. ControlProtocol.AllowedSignals, .. ControlProtocol.AllowedSignals.Select(s => "SIG" + s)]);
        var command = Verb("kill", "send a signal to a session's processes (its backend's process group)",
            [SessionId], p => new ControlRequest { Verb = ControlVerb.Kill, SessionId = p.GetValue(SessionId), Signal = p.GetValue(signal) });
        command.Options.Add(signal);
        return command;
    }

    private static Command Verb(string name, string description, Argument[] arguments, Func<ParseResult, ControlRequest> request,
        Func<ParseResult, ControlResponse, int>? render = null)
    {
        var command = new Command(name, description);
        foreach (var argument in arguments)
        {
            command.Arguments.Add(argument);
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                var response = await ControlClient.AskAsync(parse.GetValue(Socket)!, request(parse), cancellationToken);
                if (response.Outcome != ControlOutcome.Ok)
                {
                    return Render.Error(response, parse.GetValue(Json));
                }

                return render is not null ? render(parse, response) : Render.Default(response, parse.GetValue(Json), !parse.GetValue(NoLegend));
            }
            catch (CtlException ex)
            {
                Console.Error.WriteLine($"smctl: {ex.Message}");
                return ex.ExitCode;
            }
        });
        return command;
    }
}
