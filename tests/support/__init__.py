"""Test support for fedops.rocketchat: real servers on loopback, an Ansible runner, the Rocket.Chat emulator."""
