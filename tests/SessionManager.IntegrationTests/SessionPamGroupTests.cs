using SessionManager.IntegrationTests.Support;

namespace SessionManager.IntegrationTests;

/// <summary>
/// Groups that PAM adds at <c>pam_setcred(PAM_ESTABLISH_CRED)</c> (pam_group: how RDP hosts give
/// remote users audio, video or a printer group) reach the backend: the launcher sets the user's
/// own groups first and establishes PAM's credentials on top, as OpenSSH does, instead of the
/// backend replacing them with the group database's list.
/// </summary>
[Collection(SessionTestGroup.Name)]
public sealed class SessionPamGroupTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [RootFact]
    public async Task A_group_added_by_pam_group_is_among_the_backends_groups_with_the_users_own()
    {
        // tests/setup-test-host.sh: the service sessionmanager-group runs pam_group, whose rule
        // gives smtest2 the group smtestpamgrp; smtest2 is not a member of it in /etc/group.
        uint granted = Account.GroupId("smtestpamgrp");
        var own = await Account.GroupsOfAsync("smtest2");
        Assert.DoesNotContain(granted, own);
        await using var rig = await SessionRig.StartAsync("Auth:PamService=sessionmanager-group");

        var result = await rig.LogonAsync(1, "smtest2", SessionRig.Password2).WaitAsync(Patience);

        Assert.True(result.Succeeded, result.RefusedBecause ?? result.Backend?.Detail);
        var report = await rig.ReportAsync(2);
        var groups = report["groups"].Split(',').Select(uint.Parse).ToHashSet();
        Assert.Contains(granted, groups);
        Assert.Superset(own.ToHashSet(), groups);

        // The launcher (the backend's parent, root) went back to its own groups after pam_setcred.
        Assert.Equal("sm-launcher", File.ReadAllText($"/proc/{report["ppid"]}/comm").Trim());
        string launcherGroups = File.ReadLines($"/proc/{report["ppid"]}/status").Single(l => l.StartsWith("Groups:", StringComparison.Ordinal));
        Assert.DoesNotContain(granted.ToString(System.Globalization.CultureInfo.InvariantCulture),
            launcherGroups["Groups:".Length..].Split(' ', '\t', StringSplitOptions.RemoveEmptyEntries));
    }

    [RootFact]
    public async Task Without_pam_group_the_backend_has_exactly_the_users_own_groups()
    {
        var own = await Account.GroupsOfAsync("smtest2");
        await using var rig = await SessionRig.StartAsync();

        var result = await rig.LogonAsync(1, "smtest2", SessionRig.Password2).WaitAsync(Patience);

        Assert.True(result.Succeeded, result.RefusedBecause ?? result.Backend?.Detail);
        var groups = (await rig.ReportAsync(2))["groups"].Split(',').Select(uint.Parse).ToHashSet();
        Assert.Equal(own.Order(), groups.Order());
    }
}
