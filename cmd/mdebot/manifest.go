package main

// manifest is the Slack app manifest for a socket-mode app with the /mde command. The app-level
// token (connections:write) is created separately under Basic Information -> App-Level Tokens.
//
// should_escape: true makes Slack send mentions and links escaped ("<@U123|alice>", "<#C123|soc>",
// "<https://x|x>"), the "Escape channels, users, and links sent to your app" box of the command;
// without it `audit @alice` arrives as the plain text "@alice" and names no user (slash command
// settings, api.slack.com/interactivity/slash-commands; manifest field should_escape). There is
// no chat:write.public: the bot posts only into channels it was invited to, which it can then
// also read back (channels:history, groups:history) and check (channels:read, groups:read).
const manifest = `display_information:
  name: mdebot
  description: Microsoft Defender for Endpoint from Slack, with four-eyes approvals
  background_color: "#1f3a5f"
features:
  bot_user:
    display_name: mdebot
    always_online: true
  slash_commands:
    - command: /mde
      description: Defender look-ups, response actions and alerts
      usage_hint: "help | machine <host> | alerts | isolate <host> <reason>"
      should_escape: true
oauth_config:
  scopes:
    bot:
      - commands
      - chat:write
      - files:write
      - im:write
      - usergroups:read
      - users:read
      - users:read.email
      - channels:read
      - groups:read
      - channels:history
      - groups:history
settings:
  interactivity:
    is_enabled: true
  org_deploy_enabled: false
  socket_mode_enabled: true
  token_rotation_enabled: false
`
