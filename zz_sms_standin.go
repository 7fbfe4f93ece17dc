package iltod

import "time"

// Stand-in until h14-smscore merges; the lead deletes this file at merge.

// ChannelMessage is one message in or out on a messaging channel (contract, issue 14).
type ChannelMessage struct {
	ID        int64
	Election  string
	Observer  string
	Direction string
	Transport string
	Gateway   string
	Address   string
	Text      string
	Report    string
	At        time.Time
	Status    string
}

// ChannelMessageQuery selects channel messages (contract, issue 14).
type ChannelMessageQuery struct {
	Observer string
	Since    time.Time
	Limit    int
}
