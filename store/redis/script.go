package redis

import (
	"context"
	"crypto/sha1"
	"encoding/hex"

	"github.com/redis/rueidis"
)

// script is a Lua script of this package. Every script is written so that running it twice has
// the effect of running it once (a client retry after a lost reply is harmless), so all are
// retryable.
type script struct {
	lua *rueidis.Lua
	sha string // hex SHA-1 of the source, as EVALSHA wants it
}

func newScript(src string) *script {
	sum := sha1.Sum([]byte(src))
	return &script{lua: rueidis.NewLuaScriptRetryable(src), sha: hex.EncodeToString(sum[:])}
}

// exec runs the script once: EVALSHA, then EVAL if the server does not know it yet.
func (sc *script) exec(ctx context.Context, c rueidis.Client, keys []string, args ...string) rueidis.RedisResult {
	return sc.lua.Exec(ctx, c, keys, args)
}

// execMulti runs the script once per exec in one pipeline (split per node in a Cluster) with
// EVALSHA, and runs again with exec the few that a server did not know yet. (rueidis's own
// ExecMulti loads the script on every node first, a round trip per node on every call.)
func (sc *script) execMulti(ctx context.Context, c rueidis.Client, execs []rueidis.LuaExec) []rueidis.RedisResult {
	cmds := make(rueidis.Commands, len(execs))
	for i, e := range execs {
		cmds[i] = c.B().Evalsha().Sha1(sc.sha).Numkeys(int64(len(e.Keys))).Key(e.Keys...).Arg(e.Args...).
			Build().ToRetryable()
	}
	res := c.DoMulti(ctx, cmds...)
	for i, r := range res {
		if e, ok := rueidis.IsRedisErr(r.Error()); ok && e.IsNoScript() {
			res[i] = sc.exec(ctx, c, execs[i].Keys, execs[i].Args...)
		}
	}
	return res
}
