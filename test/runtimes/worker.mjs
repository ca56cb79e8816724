// Launcher for workerd (`workerd test`): the URLs come as the URLS text binding of the config.
import { resultLine, run } from "./entry.mjs";

export default {
  async test(controller, env) {
    const result = await run(JSON.parse(env.URLS));
    console.log(resultLine(result));
    if (!result.ok) throw new Error(result.why);
  },
};
