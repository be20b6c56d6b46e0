package service

import (
	"context"
	"goweb/pkg/base"
	"goweb/pkg/logger"
	"goweb/pkg/redis"
	"sync"
	"time"
)

type CustomWorkerService struct {
	*base.BaseService
	redisManager *redis.Manager
	consumers    map[string]context.CancelFunc
	mutex        sync.RWMutex
}

func NewCustomWorkerService(redisManager *redis.Manager, log logger.Logger) *CustomWorkerService {
	return &CustomWorkerService{
		BaseService:  base.NewBaseService(log),
		redisManager: redisManager,
		consumers:    make(map[string]context.CancelFunc),
	}
}

// 启动自定义消费者
func (s *CustomWorkerService) StartCustomConsumers(ctx context.Context) error {
	queue := s.redisManager.GetQueue()

	// 自定义消息类型
	customTopics := []string{
		"email.send",
		"sms.send",
		"push.notification",
		"file.process",
		"data.sync",
	}

	for _, topic := range customTopics {
		if err := s.startConsumer(ctx, queue, topic); err != nil {
			s.LogError("启动消费者失败", err, "topic", topic)
			return err
		}
	}

	s.LogInfo("自定义消费者启动成功", "count", len(customTopics))
	return nil
}

// 启动单个消费者
func (s *CustomWorkerService) startConsumer(ctx context.Context, queue *redis.RedisQueue, topic string) error {
	consumerCtx, cancel := context.WithCancel(ctx)

	s.mutex.Lock()
	s.consumers[topic] = cancel
	s.mutex.Unlock()

	go func() {
		defer cancel()

		s.LogInfo("启动消费者", "topic", topic)

		if err := queue.Subscribe(consumerCtx, topic, s.getMessageHandler(topic)); err != nil {
			s.LogError("消费者运行失败", err, "topic", topic)
		}

		s.LogInfo("消费者停止", "topic", topic)
	}()

	return nil
}

// 获取消息处理器
func (s *CustomWorkerService) getMessageHandler(topic string) redis.MessageHandler {
	handlers := map[string]redis.MessageHandler{
		"email.send":        s.handleEmailSend,
		"sms.send":          s.handleSMSSend,
		"push.notification": s.handlePushNotification,
		"file.process":      s.handleFileProcess,
		"data.sync":         s.handleDataSync,
	}

	handler, exists := handlers[topic]
	if !exists {
		return s.handleDefault
	}

	return handler
}

// 处理邮件发送
func (s *CustomWorkerService) handleEmailSend(ctx context.Context, msg *redis.Message) error {
	to := msg.Data["to"].(string)
	subject := msg.Data["subject"].(string)
	content := msg.Data["content"].(string)

	s.LogInfo("处理邮件发送", "to", to, "subject", subject)

	// 发送邮件逻辑
	return s.sendEmail(ctx, to, subject, content)
}

// 处理短信发送
func (s *CustomWorkerService) handleSMSSend(ctx context.Context, msg *redis.Message) error {
	phone := msg.Data["phone"].(string)
	content := msg.Data["content"].(string)

	s.LogInfo("处理短信发送", "phone", phone)

	// 发送短信逻辑
	return s.sendSMS(ctx, phone, content)
}

// 处理推送通知
func (s *CustomWorkerService) handlePushNotification(ctx context.Context, msg *redis.Message) error {
	userID := msg.Data["user_id"].(string)
	title := msg.Data["title"].(string)
	body := msg.Data["body"].(string)

	s.LogInfo("处理推送通知", "user_id", userID, "title", title)

	// 发送推送通知逻辑
	return s.sendPushNotification(ctx, userID, title, body)
}

// 处理文件处理
func (s *CustomWorkerService) handleFileProcess(ctx context.Context, msg *redis.Message) error {
	fileID := msg.Data["file_id"].(string)
	processType := msg.Data["process_type"].(string)

	s.LogInfo("处理文件", "file_id", fileID, "type", processType)

	// 文件处理逻辑
	return s.processFile(ctx, fileID, processType)
}

// 处理数据同步
func (s *CustomWorkerService) handleDataSync(ctx context.Context, msg *redis.Message) error {
	syncType := msg.Data["sync_type"].(string)
	source := msg.Data["source"].(string)
	target := msg.Data["target"].(string)

	s.LogInfo("处理数据同步", "type", syncType, "source", source, "target", target)

	// 数据同步逻辑
	return s.syncData(ctx, syncType, source, target)
}

// 默认处理器
func (s *CustomWorkerService) handleDefault(ctx context.Context, msg *redis.Message) error {
	s.LogWarn("未处理的消息", "topic", msg.Topic, "message_id", msg.ID)
	return nil
}

// 停止所有消费者
func (s *CustomWorkerService) StopConsumers() {
	s.mutex.Lock()
	defer s.mutex.Unlock()

	for topic, cancel := range s.consumers {
		cancel()
		s.LogInfo("消费者停止", "topic", topic)
	}

	s.consumers = make(map[string]context.CancelFunc)
}

// 业务方法实现（示例）

func (s *CustomWorkerService) sendEmail(ctx context.Context, to, subject, content string) error {
	s.LogInfo("发送邮件", "to", to, "subject", subject)
	time.Sleep(100 * time.Millisecond) // 模拟发送时间
	return nil
}

func (s *CustomWorkerService) sendSMS(ctx context.Context, phone, content string) error {
	s.LogInfo("发送短信", "phone", phone)
	time.Sleep(50 * time.Millisecond) // 模拟发送时间
	return nil
}

func (s *CustomWorkerService) sendPushNotification(ctx context.Context, userID, title, body string) error {
	s.LogInfo("发送推送通知", "user_id", userID, "title", title)
	time.Sleep(30 * time.Millisecond) // 模拟发送时间
	return nil
}

func (s *CustomWorkerService) processFile(ctx context.Context, fileID, processType string) error {
	s.LogInfo("处理文件", "file_id", fileID, "type", processType)
	time.Sleep(500 * time.Millisecond) // 模拟处理时间
	return nil
}

func (s *CustomWorkerService) syncData(ctx context.Context, syncType, source, target string) error {
	s.LogInfo("同步数据", "type", syncType, "source", source, "target", target)
	time.Sleep(1 * time.Second) // 模拟同步时间
	return nil
}
