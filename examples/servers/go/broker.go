package main

// message is one entry of the broadcast log.
type message struct {
	ID   int64  `json:"id"`
	Text string `json:"text"`
}

// subscription is what a new /events subscriber gets from the broker: the stored messages it
// missed (id > its last id) and a channel for the live ones. Both come from the broker goroutine
// in one step, so nothing published in between can be lost or delivered twice.
type subscription struct {
	replay []message
	live   chan message
}

type subscribeRequest struct {
	lastID int64
	reply  chan subscription
}

type publishRequest struct {
	text  string
	reply chan int64
}

// broker owns the message log and the subscriber set. Only its goroutine touches them; handlers
// talk to it over channels (the tutorial's "broker goroutine" pattern), so no mutex is needed.
type broker struct {
	subscribe   chan subscribeRequest
	unsubscribe chan chan message
	publish     chan publishRequest
}

// liveBuffer bounds how far a slow subscriber may fall behind before it is dropped. A dropped
// subscriber's response ends; its client reconnects with Last-Event-ID and catches up from the log.
const liveBuffer = 256

// maxLog bounds the stored history (oldest messages are forgotten first).
const maxLog = 10000

func newBroker() *broker {
	b := &broker{
		subscribe:   make(chan subscribeRequest),
		unsubscribe: make(chan chan message),
		publish:     make(chan publishRequest),
	}
	go b.run()
	return b
}

func (b *broker) run() {
	var log []message
	var next int64 = 1
	subs := map[chan message]struct{}{}
	for {
		select {
		case req := <-b.subscribe:
			var replay []message
			for _, m := range log {
				if m.ID > req.lastID {
					replay = append(replay, m)
				}
			}
			ch := make(chan message, liveBuffer)
			subs[ch] = struct{}{}
			req.reply <- subscription{replay: replay, live: ch}
		case ch := <-b.unsubscribe:
			if _, ok := subs[ch]; ok {
				delete(subs, ch)
				close(ch)
			}
		case req := <-b.publish:
			m := message{ID: next, Text: req.text}
			next++
			log = append(log, m)
			if len(log) > maxLog {
				log = log[len(log)-maxLog:]
			}
			for ch := range subs {
				select {
				case ch <- m:
				default:
					// Full buffer: drop the subscriber rather than block every other one.
					delete(subs, ch)
					close(ch)
				}
			}
			req.reply <- m.ID
		}
	}
}
